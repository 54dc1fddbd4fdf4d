namespace LiveDash.Tests;

/// <summary>The PostgreSQL database ./livedash test provides for the tests.</summary>
static class TestDatabase
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } connection ? connection
        : throw new InvalidOperationException("The tests need PostgreSQL: run them with ./livedash test (it starts a private cluster and sets ConnectionStrings__Postgres).");
}
