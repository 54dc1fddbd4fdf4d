using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.Admin;
using LiveDash.Store;
using LiveDash.Site;

namespace LiveDash.Tests.Store;

[Collection(StoreCollection.Name)]
public class StoreEndpointsTests(LiveDashApp app)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    static readonly Lazy<SeedExpectations> Expected = new(() => new SeedExpectations(new SeedData()));

    public static TheoryData<StoreMode> Modes => new(Enum.GetValues<StoreMode>());

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EveryPageAndJsonTwinAnswersWithTheSeededData(StoreMode mode) => await app.InMode(mode, async () =>
    {
        var client = app.CreateClient();

        var product = await client.GetFromJsonAsync<Product>("/api/products/42", Json);
        var seeded = Expected.Value.Product(42);
        Assert.Equal(seeded.Name, product!.Name);
        Assert.Equal(seeded.Price, product.Price);

        var orders = await client.GetFromJsonAsync<UserOrders>("/api/orders?user=7", Json);
        Assert.Equal(Expected.Value.User(7).Name, orders!.User.Name);
        Assert.Equal(Expected.Value.RecentOrders(7), orders.Orders.Select(o => (o.Id, o.Lines, o.Total)).ToArray());

        var search = await client.GetFromJsonAsync<ProductPage>("/api/products?search=Kettle&page=2", Json);
        Assert.Equal(Expected.Value.SearchCount("Kettle"), search!.Total);
        Assert.Equal(Expected.Value.SearchPage("Kettle", 2), search.Items.Select(p => p.Id).ToArray());

        Assert.Contains(Expected.Value.Product(42).Name, await Page(client, "/products/42"));
        Assert.Contains(Expected.Value.User(7).Name, await Page(client, "/orders?user=7"));
        Assert.Contains($"#{Expected.Value.RecentOrders(7)[0].Id}", await Page(client, "/orders?user=7"));
        Assert.Contains(Expected.Value.SearchCount("Kettle") + " products", await Page(client, "/products?search=Kettle"));
        Assert.Contains("Featured", await Page(client, "/"));
        var health = await client.GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("ok", health.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(mode.ToString(), health.GetProperty("settings").GetProperty("mode").GetString());
    });

    [Fact]
    public async Task SyncAsyncAndSyncOverAsyncReturnIdenticalResults()
    {
        string[] urls = ["/api/orders?user=1", "/api/orders?user=9999", "/api/orders?user=20", "/api/products?search=lamp&page=3",
            "/api/products?search=", "/api/products/1", "/api/products/5000", "/api/products/5001", "/api/products?search=100%25_x"];
        var bodies = new Dictionary<StoreMode, string[]>();
        foreach (var mode in Enum.GetValues<StoreMode>())
        {
            await app.InMode(mode, async () =>
            {
                var client = app.CreateClient();
                var answers = new List<string>();
                foreach (var url in urls)
                {
                    var response = await client.GetAsync(url);
                    answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                bodies[mode] = [.. answers];
            });
        }
        Assert.Equal(bodies[StoreMode.Sync], bodies[StoreMode.Async]);
        Assert.Equal(bodies[StoreMode.Async], bodies[StoreMode.SyncOverAsync]);
        Assert.StartsWith("200 ", bodies[StoreMode.Async][0]);
        Assert.StartsWith("403 ", bodies[StoreMode.Async][2]);
        Assert.StartsWith("404 ", bodies[StoreMode.Async][7]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task TheLatencyKnobAddsAtLeastTheConfiguredWaitPerRoundTrip(StoreMode mode) => await app.InMode(mode, async () =>
    {
        var client = app.CreateClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.GetAsync("/api/orders?user=3");
        clock.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Two round trips of 150 ms each, waited inside PostgreSQL.
        Assert.True(clock.ElapsedMilliseconds >= 300, $"took {clock.ElapsedMilliseconds} ms");

        clock.Restart();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/products/999999")).StatusCode);
        Assert.True(clock.ElapsedMilliseconds >= 150, $"a miss still waits: took {clock.ElapsedMilliseconds} ms");
    }, dbLatencyMs: 150);

    [Theory]
    [InlineData("/api/orders", "user")]
    [InlineData("/api/orders?user=abc", "user")]
    [InlineData("/api/orders?user=0", "user")]
    [InlineData("/api/orders?user=99999999999", "user")]
    [InlineData("/api/products?page=0", "page")]
    [InlineData("/api/products?page=x", "page")]
    [InlineData("/api/products/abc", "id")]
    public async Task BadQueryInputGets400NamingTheField(string url, string field)
    {
        var response = await app.CreateClient().GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<ApiError>(Json);
        Assert.Equal(field, error!.Field);
        Assert.Contains(field, error.Error);
    }

    [Fact]
    public async Task OverlongSearchGets400()
    {
        var response = await app.CreateClient().GetAsync("/api/products?search=" + new string('a', StoreInput.MaxSearchLength + 1));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("search must be at most", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/orders?user=abc", 400, "user must be a positive whole number")]
    [InlineData("/orders?user=999999", 404, "no user #999999")]
    [InlineData("/orders?user=40", 403, "deactivated")]
    [InlineData("/products/999999", 404, "no product #999999")]
    [InlineData("/products?page=-1", 400, "page must be")]
    [InlineData("/no/such/page", 404, "nothing at this address")]
    public async Task PagesExplainErrors(string url, int status, string message)
    {
        var response = await app.CreateClient().GetAsync(url);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("search=%00", "search")]
    [InlineData("search=a%01b", "search")]
    [InlineData("search=x%7F", "search")]
    [InlineData("search=a&search=b", "search")]
    [InlineData("page=%20", "page")]
    [InlineData("page=%201", "page")]
    [InlineData("page=1&page=2", "page")]
    [InlineData("page=%2B1", "page")]
    public async Task ThePageAndItsJsonTwinRefuseTheSameInputNamingTheField(string query, string field)
    {
        var client = app.CreateClient();
        var api = await client.GetAsync("/api/products?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var error = await api.Content.ReadFromJsonAsync<ApiError>(Json);
        Assert.Equal(field, error!.Field);
        Assert.StartsWith(field, error.Error);
        var page = await client.GetAsync("/products?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains(error.Error, WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
    }

    [Theory]
    [InlineData("/orders", "user=1&user=2")]
    [InlineData("/orders", "user=%201")]
    [InlineData("/orders", "user=%00")]
    [InlineData("/orders", "user=7")]
    [InlineData("/products", "search=%20lamp%20&page=2")]
    [InlineData("/products", "page=")]
    [InlineData("/products", "search=&page=1")]
    public async Task PagesAndTwinsAgreeOnTheStatus(string path, string query)
    {
        var client = app.CreateClient();
        var api = await client.GetAsync("/api" + path + "?" + query);
        var page = await client.GetAsync(path + "?" + query);
        Assert.Equal(api.StatusCode, page.StatusCode);
    }

    static async Task<string> Page(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }
}

/// <summary>What the database must answer, computed independently from the seed generator.</summary>
sealed class SeedExpectations
{
    readonly SeedUser[] _users;
    readonly SeedProduct[] _products;
    readonly ILookup<int, (SeedOrder Order, SeedOrderLine[] Lines)> _ordersByUser;

    public SeedExpectations(SeedData seed)
    {
        _users = [.. seed.GenerateUsers()];
        _products = [.. seed.GenerateProducts()];
        _ordersByUser = seed.GenerateOrders().ToLookup(o => o.Order.UserId);
    }

    public SeedUser User(int id) => _users[id - 1];
    public SeedProduct Product(int id) => _products[id - 1];

    public (long Id, int Lines, decimal Total)[] RecentOrders(int userId) =>
        [.. _ordersByUser[userId].OrderByDescending(o => o.Order.PlacedAt).ThenByDescending(o => o.Order.Id).Take(20)
            .Select(o => (o.Order.Id, o.Lines.Length, o.Lines.Sum(l => l.Quantity * l.UnitPrice)))];

    IEnumerable<SeedProduct> Matches(string search) => _products.Where(p =>
        p.Name.Contains(search, StringComparison.OrdinalIgnoreCase) || p.Category.Contains(search, StringComparison.OrdinalIgnoreCase));

    public int SearchCount(string search) => Matches(search).Count();
    public int[] SearchPage(string search, int page) => [.. Matches(search).OrderBy(p => p.Id).Skip((page - 1) * 20).Take(20).Select(p => p.Id)];
}
