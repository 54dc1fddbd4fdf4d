using System.Globalization;
using System.Text.Json;

namespace LiveDash.Mongo.Tests;

/// <summary>The official BSON corpus (restored into tests/.reference/bson-corpus), for every type the codec supports.</summary>
public class BsonCorpusTests
{
    public record Case(string File, string Description, string Hex, string? ExtJson)
    {
        public override string ToString() => $"{File}: {Description}";
    }

    static IEnumerable<(string File, JsonElement Root)> Files() =>
        Directory.GetFiles(MongoTestPaths.BsonCorpus, "*.json").Order()
            .Select(path => (Path.GetFileName(path), JsonDocument.Parse(File.ReadAllText(path)).RootElement));

    /// <summary>The data filter: a file or case is skipped only when it uses a type in <see cref="Bson.UnsupportedTypes"/>.</summary>
    static bool UsesUnsupportedType(JsonElement file, string? extJson)
    {
        var type = Convert.ToByte(file.GetProperty("bson_type").GetString()![2..], 16);
        if (Bson.UnsupportedTypes.Any(u => u.Type == type)) return true;
        return extJson is not null && Bson.UnsupportedTypes.Any(u => extJson.Contains($"\"{u.ExtendedJsonKey}\"", StringComparison.Ordinal));
    }

    static IEnumerable<Case> Cases(string kind, string hexField) =>
        from f in Files()
        where f.Root.TryGetProperty(kind, out _)
        from c in f.Root.GetProperty(kind).EnumerateArray()
        let ext = c.TryGetProperty("canonical_extjson", out var e) ? e.GetString() : null
        where !UsesUnsupportedType(f.Root, ext)
        select new Case(f.File, c.GetProperty("description").GetString()!, c.GetProperty(hexField).GetString()!, ext);

    public static TheoryData<Case> Valid() => [.. Cases("valid", "canonical_bson")];
    public static TheoryData<Case> DecodeErrors() => [.. Cases("decodeErrors", "bson")];

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidCanonicalBsonRoundTripsByteForByte(Case c)
    {
        var bytes = Convert.FromHexString(c.Hex);
        Assert.Equal(c.Hex.ToUpperInvariant(), Convert.ToHexString(Bson.Encode(Bson.Decode(bytes))));
    }

    [Theory]
    [MemberData(nameof(DecodeErrors))]
    public void DecodeErrorsAreRejected(Case c) =>
        Assert.Throws<BsonFormatException>(() => Bson.Decode(Convert.FromHexString(c.Hex)));

    [Fact]
    public void OnlyTheListedUnsupportedTypesAreSkipped()
    {
        var skippedFiles = Files().Where(f => f.Root.TryGetProperty("valid", out var valid) && valid.GetArrayLength() > 0
            && valid.EnumerateArray().All(c => UsesUnsupportedType(f.Root, c.TryGetProperty("canonical_extjson", out var e) ? e.GetString() : null)))
            .Select(f => f.File).ToList();
        Assert.Equal(["code.json", "code_w_scope.json", "dbpointer.json", "multi-type-deprecated.json", "multi-type.json", "symbol.json", "undefined.json"], skippedFiles);
        // The pinned corpus (mongodb-extjson 3.0.3) has 678 valid and 42 decode-error cases the codec takes on.
        Assert.True(Valid().Count > 650, $"only {Valid().Count} valid cases ran");
        Assert.True(DecodeErrors().Count > 40, $"only {DecodeErrors().Count} decode-error cases ran");
    }

    [Fact]
    public void UnsupportedTypesAreRefusedByName()
    {
        var e = Assert.Throws<BsonFormatException>(() => Bson.Decode(Convert.FromHexString("160000000D636F6465000700000061626364656600" + "00")));
        Assert.Contains("JavaScript code", e.Message);
    }

    [Fact]
    public void Decimal128ConvertsExactlyToSystemDecimalWhereRepresentable()
    {
        var converted = 0;
        foreach (var c in Cases("valid", "canonical_bson").Where(c => c.File.StartsWith("decimal128")))
        {
            var value = (Decimal128)Bson.Decode(Convert.FromHexString(c.Hex))["d"]!;
            var text = JsonDocument.Parse(c.ExtJson!).RootElement.GetProperty("d").GetProperty("$numberDecimal").GetString()!;
            decimal result;
            try { result = value.ToDecimal(); }
            catch (OverflowException)
            {
                // Refused only when System.Decimal cannot hold it exactly.
                Assert.False(decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed.ToString(CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.') == text.TrimEnd('0').TrimEnd('.') && !text.Contains('E'),
                    $"{c}: {text} was refused but is representable");
                continue;
            }
            Assert.Equal(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), result);
            converted++;
        }
        Assert.True(converted > 100, $"only {converted} decimal128 values converted");
    }

    [Theory]
    [InlineData("12.50")]
    [InlineData("0.01")]
    [InlineData("-3.1415926535897932384626433832")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("0")]
    public void SystemDecimalRoundTripsThroughDecimal128KeepingItsScale(string text)
    {
        var value = decimal.Parse(text, CultureInfo.InvariantCulture);
        var back = Decimal128.FromDecimal(value).ToDecimal();
        Assert.Equal(value, back);
        Assert.Equal(value.Scale, back.Scale);
    }

    [Fact]
    public void Decimal128OutsideSystemDecimalIsRefused()
    {
        Assert.Throws<OverflowException>(() => new Decimal128(1, (6176UL - 29) << 49).ToDecimal()); // 1E-29
        Assert.Throws<OverflowException>(() => new Decimal128(1, (6176UL + 29) << 49).ToDecimal()); // 1E+29
        Assert.Equal(100m, new Decimal128(1, (6176UL + 2) << 49).ToDecimal());
    }

    [Fact]
    public void EncodingRefusesNamesWithNul() =>
        Assert.Throws<BsonFormatException>(() => Bson.Encode(new BsonDocument { { "a\0b", 1 } }));
}
