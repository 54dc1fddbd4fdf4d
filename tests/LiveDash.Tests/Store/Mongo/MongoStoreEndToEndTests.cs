using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveDash.Mongo.Tests;
using LiveDash.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>
/// The app with Database:Provider=MongoDB against mock_mongod.py, which holds what the app seeded into it.
/// Separate from LiveDashApp because it needs no PostgreSQL at all.
/// </summary>
public sealed class MongoAppFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "mongo-test-admin";
    public static readonly SeedData Seed = new(users: 60, products: 80, orders: 400);
    readonly MockMongod _server = new();
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-mongo-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        TestHost.Isolate(builder, _stateDir, AdminPassword, new Dictionary<string, string?>
        {
            ["Database:Provider"] = "MongoDB",
            ["ConnectionStrings:Mongo"] = _server.ConnectionString("maxPoolSize=20&appName=LiveDashE2E"),
            ["Database:Seed:Users"] = Seed.Users.ToString(),
            ["Database:Seed:Products"] = Seed.Products.ToString(),
            ["Database:Seed:Orders"] = Seed.Orders.ToString(),
            ["LiveDash:DbLatencyMs"] = "0",
        });
    }

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminPassword)));
        return client;
    }

    public async Task SetAsync(string mode, int latencyMs)
    {
        using var admin = Admin();
        var response = await admin.PutAsJsonAsync("/admin/api/settings", new { mode, dbLatencyMs = latencyMs });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _server.Dispose();
            try { Directory.Delete(_stateDir, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }
}

public sealed class MongoStoreEndToEndTests(MongoAppFactory app) : IClassFixture<MongoAppFactory>
{
    static readonly SeedData Seed = MongoAppFactory.Seed;
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("Sync")]
    [InlineData("Async")]
    [InlineData("SyncOverAsync")]
    public async Task ProductsProductAndOrdersAnswerInEveryMode(string mode)
    {
        await app.SetAsync(mode, 0);
        using var client = app.CreateClient();

        var page = await Get<ProductPage>(client, "/api/products?page=2");
        Assert.Equal(Seed.Products, page.Total);
        Assert.Equal(Enumerable.Range(21, 20), page.Items.Select(p => p.Id));

        var expected = Seed.GenerateProducts().Single(p => p.Id == 7);
        var product = await Get<Product>(client, "/api/products/7");
        Assert.Equal(new Product(expected.Id, expected.Name, expected.Category, expected.Description, expected.Price, expected.Stock), product);

        var user = Seed.GenerateUsers().First(u => u.IsActive && Seed.GenerateOrders().Count(o => o.Order.UserId == u.Id) > 3);
        var orders = await Get<UserOrders>(client, $"/api/orders?user={user.Id}");
        Assert.Equal(user.Name, orders.User.Name);
        Assert.Equal(ExpectedOrders(user.Id), orders.Orders);
    }

    [Fact]
    public async Task SearchIsACaseInsensitiveSubstringOnNameOrCategoryWithRegexCharactersEscaped()
    {
        await app.SetAsync("Async", 0);
        using var client = app.CreateClient();
        var matching = Seed.GenerateProducts().Where(p => p.Name.Contains("lamp", StringComparison.OrdinalIgnoreCase) || p.Category.Contains("lamp", StringComparison.OrdinalIgnoreCase)).ToList();
        var page = await Get<ProductPage>(client, "/api/products?search=LaMp");
        Assert.Equal(matching.Count, page.Total);
        Assert.Equal(matching.Take(20).Select(p => p.Id), page.Items.Select(p => p.Id));

        var category = await Get<ProductPage>(client, "/api/products?search=kitchen");
        Assert.Equal(Seed.GenerateProducts().Count(p => p.Category == "Kitchen" || p.Name.Contains("kitchen", StringComparison.OrdinalIgnoreCase)), category.Total);

        Assert.Equal(0, (await Get<ProductPage>(client, "/api/products?search=" + Uri.EscapeDataString(".*"))).Total);
    }

    [Fact]
    public async Task TheStoreFrontShowsTheTopStockedProducts()
    {
        await app.SetAsync("Sync", 0);
        using var client = app.CreateClient();
        var html = await client.GetStringAsync("/");
        var top = Seed.GenerateProducts().OrderByDescending(p => p.Stock).ThenBy(p => p.Id).Take(12).ToList();
        foreach (var p in top) Assert.Contains(WebUtility.HtmlEncode(p.Name), html);
        Assert.Contains("MongoDB", html);
    }

    [Fact]
    public async Task UnknownAndDeactivatedUsersAreAnsweredAsWithPostgres()
    {
        await app.SetAsync("Async", 0);
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/orders?user={Seed.Users + 1}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/orders?user=20")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/products/{Seed.Products + 1}")).StatusCode);
    }

    [Theory]
    [InlineData("Sync")]
    [InlineData("Async")]
    public async Task AServerThatRefusesJavaScriptIsReportedPlainly(string mode)
    {
        // mock_mongod.py refuses $where and $function, as a server run with --noscripting does.
        await app.SetAsync(mode, 5);
        try
        {
            using var client = app.CreateClient();
            var response = await client.GetAsync("/api/products/3");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            // The server's own words go to the log and the admin health view, not to anonymous callers.
            Assert.DoesNotContain("server-side JavaScript", await response.Content.ReadAsStringAsync());
            var aggregate = await client.GetAsync("/api/products?search=x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, aggregate.StatusCode);

            using var admin = app.Admin();
            var health = JsonDocument.Parse(await admin.GetStringAsync("/admin/api/health")).RootElement;
            Assert.Contains("security.javascriptEnabled", health.GetProperty("database").GetProperty("details").GetProperty("latencyError").GetString());
        }
        finally
        {
            await app.SetAsync("Async", 0);
        }
    }

    [Fact]
    public async Task HealthDescribesTheMongoBackendToAdmins()
    {
        using var client = app.Admin();
        var health = JsonDocument.Parse(await client.GetStringAsync("/admin/api/health")).RootElement.GetProperty("database");
        Assert.Equal("MongoDB", health.GetProperty("backend").GetString());
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("livedash_test", health.GetProperty("details").GetProperty("database").GetString());
        Assert.Equal(20, health.GetProperty("details").GetProperty("maxPoolSize").GetInt32());
    }

    static List<OrderSummary> ExpectedOrders(int userId) =>
        Seed.GenerateOrders().Where(o => o.Order.UserId == userId)
            .OrderByDescending(o => o.Order.PlacedAt).ThenByDescending(o => o.Order.Id).Take(20)
            .Select(o => new OrderSummary(o.Order.Id, o.Order.PlacedAt, o.Order.Status, o.Lines.Length, o.Lines.Sum(l => l.Quantity * l.UnitPrice)))
            .ToList();

    static async Task<T> Get<T>(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<T>(body, Json)!;
    }
}
