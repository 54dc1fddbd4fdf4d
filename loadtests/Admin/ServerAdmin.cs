using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace LiveDash.LoadTests.Admin;

/// <param name="Workers">0 = the .NET thread pool serves the store, N = N dedicated workers (0 from a server that predates the setting).</param>
public sealed record ServerSettings(string Mode, int DbLatencyMs, int MinThreads, int Workers = 0);

/// <summary>The store's admin API (HTTP Basic, user admin): read and change the server's mode and database latency.</summary>
public sealed class ServerAdmin(Uri target, string password)
{
    public static readonly string[] Modes = ["Sync", "Async", "SyncOverAsync"];

    readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        BaseAddress = new Uri(target.GetLeftPart(UriPartial.Authority)),
        Timeout = TimeSpan.FromSeconds(10),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password))) },
    };

    public HttpClient Http => _http;

    public async Task<ServerSettings> GetAsync(CancellationToken cancel)
    {
        using var response = await _http.GetAsync("/admin/api/settings", cancel);
        await EnsureOk(response, "GET /admin/api/settings");
        return (await response.Content.ReadFromJsonAsync<ServerSettings>(cancel))!;
    }

    public async Task<ServerSettings> PutAsync(object changes, CancellationToken cancel)
    {
        using var response = await _http.PutAsJsonAsync("/admin/api/settings", changes, cancel);
        await EnsureOk(response, "PUT /admin/api/settings");
        return (await response.Content.ReadFromJsonAsync<ServerSettings>(cancel))!;
    }

    static async Task EnsureOk(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync();
        var hint = response.StatusCode == HttpStatusCode.Unauthorized ? " (wrong admin password? give --admin-password or LIVEDASH_ADMIN_PASSWORD)" : "";
        throw new AdminApiException($"{what} answered {(int)response.StatusCode}{hint}: {body.Trim()}");
    }
}

public sealed class AdminApiException(string message) : Exception(message);
