
namespace LiveDash.Mongo.Tests;

/// <summary>The conversations printed in specs/auth.md, replayed with the spec's client nonces.</summary>
public class ScramTests
{
    [Fact]
    public void ScramSha1MatchesTheSpecConversation()
    {
        var scram = new ScramClient(MongoAuthMechanism.ScramSha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        Assert.Equal("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", scram.ClientFirst());
        Assert.Equal("c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,p=MC2T8BvbmWRckDw8oWl5IVghwCY=",
            scram.ClientFinal("r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000"));
        scram.VerifyServerFinal("v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0=");
    }

    [Fact]
    public void ScramSha256MatchesTheSpecConversation()
    {
        var scram = new ScramClient(MongoAuthMechanism.ScramSha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", scram.ClientFirst());
        Assert.Equal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            scram.ClientFinal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
        scram.VerifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    [Fact]
    public void AWrongServerSignatureIsRejected()
    {
        var scram = new ScramClient(MongoAuthMechanism.ScramSha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        scram.ClientFirst();
        scram.ClientFinal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        Assert.Throws<MongoAuthenticationException>(() => scram.VerifyServerFinal("v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0="));
    }

    [Fact]
    public void FewerThan4096IterationsAreRefused()
    {
        var scram = new ScramClient(MongoAuthMechanism.ScramSha256, "user", "pencil", "abc");
        scram.ClientFirst();
        var e = Assert.Throws<MongoAuthenticationException>(() => scram.ClientFinal("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095"));
        Assert.Contains("4096", e.Message);
    }

    [Fact]
    public void ANonceThatDoesNotExtendOursIsRefused()
    {
        var scram = new ScramClient(MongoAuthMechanism.ScramSha1, "user", "pencil", "abc");
        scram.ClientFirst();
        Assert.Throws<MongoAuthenticationException>(() => scram.ClientFinal("r=xyz123,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000"));
    }

    [Theory]
    [InlineData("I\u00ADX", "IX")]
    [InlineData("a\u00A0b", "a b")]
    [InlineData("plain", "plain")]
    public void SaslPrepNormalisesPasswordsAsTheSpecTestsExpect(string password, string prepared) =>
        Assert.Equal(prepared, ScramClient.SaslPrep(password));

    [Fact]
    public void SaslPrepRefusesControlCharacters() =>
        Assert.Throws<MongoAuthenticationException>(() => ScramClient.SaslPrep("a\u0007\u00E9"));

    [Fact]
    public void UserNamesAreEscapedButNotPrepared()
    {
        var scram = new ScramClient(MongoAuthMechanism.ScramSha256, "a=b,c\u2168", "x", "n");
        Assert.Equal("n,,n=a=3Db=2Cc\u2168,r=n", scram.ClientFirst());
    }
}
