using System.Text;
using LiveDash.Load;
using LiveDash.LoadTests.Scenarios;
using Microsoft.AspNetCore.Http;

namespace LiveDash.Tests.Load;

/// <summary>
/// The bodies of POST /admin/api/load/runs and PATCH /admin/api/load/runs/{id}, read without a server: every
/// refusal names its field (a wrong type as well as a value out of range), and what is accepted becomes the run asked for.
/// </summary>
public sealed class LoadApiBodyTests
{
    static HttpRequest Request(string json)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        context.Request.ContentType = "application/json";
        return context.Request;
    }

    const string Ping = "\"scenario\":\"url\",\"path\":\"/api/ping\"";

    [Theory]
    [InlineData("not json", "body", "the body must be a JSON object like")]
    [InlineData("", "body", "the body must be a JSON object like")]
    [InlineData("[1]", "body", "the body must be a JSON object like")]
    [InlineData("null", "body", "the body must be a JSON object like")]
    [InlineData("\"url\"", "body", "the body must be a JSON object like")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5} x", "body", "the body must be a JSON object like")]
    [InlineData("{" + Ping + ",\"rate\":5x,\"durationSeconds\":5}", "body", "the body must be a JSON object like")]
    [InlineData("{\"scenario\":5,\"durationSeconds\":5}", "scenario", "scenario must be a scenario name")]
    [InlineData("{\"scenario\":null,\"durationSeconds\":5}", "scenario", "scenario must be a scenario name")]
    [InlineData("{\"durationSeconds\":5}", "scenario", "scenario is required: one of ")]
    [InlineData("{\"scenario\":\"nope\",\"durationSeconds\":5}", "scenario", "unknown scenario 'nope'; agents run ")]
    [InlineData("{\"scenario\":\"lecture\",\"durationSeconds\":5}", "scenario", "unknown scenario 'lecture'")]
    [InlineData("{\"scenario\":\"url\",\"path\":5,\"durationSeconds\":5}", "path", "path must be a path like /api/products/1")]
    [InlineData("{\"scenario\":\"url\",\"path\":\"\",\"durationSeconds\":5}", "path", "path must be a path like /api/products/1")]
    [InlineData("{\"scenario\":\"url\",\"durationSeconds\":5}", "path", "path is required for the url scenario")]
    [InlineData("{\"scenario\":\"url\",\"path\":null,\"durationSeconds\":5}", "path", "path is required for the url scenario")]
    [InlineData("{\"scenario\":\"orders\",\"path\":\"/x\",\"durationSeconds\":5}", "path", "path applies to the url scenario only")]
    [InlineData("{\"scenario\":\"url\",\"path\":\"api/ping\",\"durationSeconds\":5}", "path", "must start with '/'")]
    [InlineData("{" + Ping + ",\"users\":0,\"durationSeconds\":5}", "users", "users must be a whole number from 1 to 10000")]
    [InlineData("{" + Ping + ",\"users\":10001,\"durationSeconds\":5}", "users", "users must be a whole number from 1 to 10000")]
    [InlineData("{" + Ping + ",\"users\":2.5,\"durationSeconds\":5}", "users", "users must be a whole number from 1 to 10000")]
    [InlineData("{" + Ping + ",\"users\":1e10,\"durationSeconds\":5}", "users", "users must be a whole number from 1 to 10000")]
    [InlineData("{" + Ping + ",\"users\":\"2\",\"durationSeconds\":5}", "users", "users must be a whole number from 1 to 10000")]
    [InlineData("{" + Ping + ",\"users\":true,\"durationSeconds\":5}", "users", "users must be a whole number from 1 to 10000")]
    [InlineData("{" + Ping + ",\"users\":2,\"rate\":5,\"durationSeconds\":5}", "users", "give users (closed model) or rate (open model), not both")]
    [InlineData("{" + Ping + ",\"rate\":0,\"durationSeconds\":5}", "rate", "rate must be a number of arrivals per second, more than 0 and at most 100000")]
    [InlineData("{" + Ping + ",\"rate\":100001,\"durationSeconds\":5}", "rate", "rate must be a number of arrivals per second")]
    [InlineData("{" + Ping + ",\"rate\":1e400,\"durationSeconds\":5}", "rate", "rate must be a number of arrivals per second")]
    [InlineData("{" + Ping + ",\"rate\":\"5\",\"durationSeconds\":5}", "rate", "rate must be a number of arrivals per second")]
    [InlineData("{" + Ping + ",\"rate\":5}", "durationSeconds", "durationSeconds is required (1 to 3600)")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":null}", "durationSeconds", "durationSeconds must be a number of seconds from 1 to 3600")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":\"5\"}", "durationSeconds", "durationSeconds must be a number of seconds from 1 to 3600")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":0.5}", "durationSeconds", "durationSeconds must be a number of seconds from 1 to 3600")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":3601}", "durationSeconds", "durationSeconds must be a number of seconds from 1 to 3600")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"warmUpSeconds\":-1}", "warmUpSeconds", "warmUpSeconds must be a number of seconds from 0 to 60")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"warmUpSeconds\":\"3s\"}", "warmUpSeconds", "warmUpSeconds must be a number of seconds from 0 to 60")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"agents\":\"a\"}", "agents", "agents must be a list of agent names")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"agents\":[\"a\",1]}", "agents", "agents must be a list of agent names")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"agents\":[\"a\",\"\"]}", "agents", "agents must be a list of agent names")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"agents\":[null]}", "agents", "agents must be a list of agent names")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"agentLines\":\"yes\"}", "agentLines", "agentLines must be true or false")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"agentLines\":null}", "agentLines", "agentLines must be true or false")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"speed\":3}", "speed", "unknown field 'speed'; a run takes scenario, path, users or rate, durationSeconds, warmUpSeconds, agents, agentLines")]
    [InlineData("{" + Ping + ",\"Rate\":5,\"durationSeconds\":5}", "Rate", "unknown field 'Rate'")]
    [InlineData("{" + Ping + ",\"rate\":5,\"durationSeconds\":5,\"a.b\":{\"c\":1}}", "a.b", "unknown field 'a.b'")]
    public async Task ARefusedRunNamesItsField(string json, string field, string message)
    {
        var (run, error) = await LoadApi.ReadStart(Request(json));
        Assert.Null(run);
        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Error);
    }

    [Fact]
    public async Task AnAcceptedRunIsTheRunAskedFor()
    {
        var (open, error) = await LoadApi.ReadStart(Request("{" + Ping + ",\"rate\":200.5,\"durationSeconds\":30,\"agents\":[\"a\",\"b\"],\"agentLines\":true}"));
        Assert.Null(error);
        Assert.Equal(("url", "/api/ping", (int?)null, (double?)200.5, 30.0, true, true, 0.0),
            (open!.Scenario, open.Path, open.Users, open.Rate, open.DurationSeconds, open.AgentLines, open.OpenModel, open.WarmUpSeconds));
        Assert.Equal(["a", "b"], open.Agents!);

        // A warm-up is never longer than the run; nulls are the same as leaving a field out.
        var (closed, _) = await LoadApi.ReadStart(Request("{" + Ping + ",\"users\":3,\"rate\":null,\"durationSeconds\":2,\"warmUpSeconds\":10,\"agents\":null}"));
        Assert.Equal((3, (double?)null, false, false, 2.0), (closed!.Users, closed.Rate, closed.AgentLines, closed.OpenModel, closed.WarmUpSeconds));
        Assert.Null(closed.Agents);

        // A catalogue scenario keeps its own model and warm-up (shortened to the run) unless the run says otherwise.
        var own = ScenarioCatalog.Resolve("orders", new ScenarioOverrides(TimeSpan.FromSeconds(5)));
        var (orders, _) = await LoadApi.ReadStart(Request("{\"scenario\":\"orders\",\"durationSeconds\":5,\"path\":null,\"users\":null}"));
        Assert.Equal((own.IsOpen, Math.Min(own.WarmUp.TotalSeconds, 5), (string?)null), (orders!.OpenModel, orders.WarmUpSeconds, orders.Path));
        var (warm, _) = await LoadApi.ReadStart(Request("{\"scenario\":\"orders\",\"durationSeconds\":5,\"warmUpSeconds\":0}"));
        Assert.Equal(0, warm!.WarmUpSeconds);
    }

    [Theory]
    [InlineData("not json", "body", "the body must be a JSON object like {\"rate\":300} or {\"users\":50}")]
    [InlineData("[]", "body", "the body must be a JSON object like")]
    [InlineData("", "body", "the body must be a JSON object like")]
    [InlineData("{}", "body", "give users or rate (or agentLines)")]
    [InlineData("{\"users\":5,\"rate\":5}", "users", "give users or rate, not both")]
    [InlineData("{\"users\":-1}", "users", "users must be a whole number from 0 to 10000")]
    [InlineData("{\"users\":1.5}", "users", "users must be a whole number from 0 to 10000")]
    [InlineData("{\"users\":\"5\"}", "users", "users must be a whole number from 0 to 10000")]
    [InlineData("{\"users\":null}", "users", "users must be a whole number from 0 to 10000")]
    [InlineData("{\"rate\":-1}", "rate", "rate must be a number of arrivals per second from 0 to 100000")]
    [InlineData("{\"rate\":\"x\"}", "rate", "rate must be a number of arrivals per second from 0 to 100000")]
    [InlineData("{\"rate\":null,\"users\":5}", "rate", "rate must be a number of arrivals per second from 0 to 100000")]
    [InlineData("{\"agentLines\":1}", "agentLines", "agentLines must be true or false")]
    [InlineData("{\"rate\":5,\"durationSeconds\":5}", "durationSeconds", "unknown field 'durationSeconds'; a change takes users or rate (and agentLines)")]
    public async Task ARefusedChangeNamesItsField(string json, string field, string message)
    {
        var (users, rate, lines, error) = await LoadApi.ReadChange(Request(json));
        Assert.Equal(((int?)null, (double?)null, (bool?)null), (users, rate, lines));
        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Error);
    }

    [Theory]
    [InlineData("{\"rate\":300}", null, 300.0, null)]
    [InlineData("{\"rate\":0}", null, 0.0, null)]
    [InlineData("{\"users\":0,\"agentLines\":true}", 0, null, true)]
    [InlineData("{\"agentLines\":false}", null, null, false)]
    public async Task AnAcceptedChangeIsTheChangeAskedFor(string json, int? users, double? rate, bool? lines)
    {
        var read = await LoadApi.ReadChange(Request(json));
        Assert.Equal((users, rate, lines, (LiveDash.Site.ApiError?)null), read);
    }
}
