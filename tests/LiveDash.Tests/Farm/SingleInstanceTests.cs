using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveDash.Tests.Store.Mongo;

namespace LiveDash.Tests.Farm;

/// <summary>On MongoDB there is no farm: one instance, settings in memory, and the admin page says so.</summary>
public partial class SingleInstanceTests(MongoAppFactory app) : IClassFixture<MongoAppFactory>
{
    [Fact]
    public async Task OnMongoTheAppIsOneInstanceAndTheAdminPageSaysSo()
    {
        using var admin = app.Admin();
        var farm = await admin.GetFromJsonAsync<JsonElement>("/api/farm");
        Assert.False(farm.GetProperty("enabled").GetBoolean());
        Assert.Contains("single instance", farm.GetProperty("reason").GetString());

        var instances = await admin.GetFromJsonAsync<JsonElement>("/admin/api/instances");
        var only = Assert.Single(instances.EnumerateArray());
        Assert.Equal(farm.GetProperty("instance").GetString(), only.GetProperty("name").GetString());
        Assert.False(only.GetProperty("gone").GetBoolean());

        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var form = await client.GetStringAsync("/admin/login");
        var token = WebUtility.HtmlDecode(TokenPattern().Match(form).Groups[1].Value);
        var login = await client.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["password"] = MongoAppFactory.AdminPassword, ["__RequestVerificationToken"] = token, ["returnUrl"] = "/admin",
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var page = await client.GetStringAsync("/admin");
        Assert.Matches("id=\"farm-status\">With the MongoDB provider LiveDash runs as a single instance", page);
        Assert.Contains("id=\"farm-off\"", await client.GetStringAsync("/dashboard"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
