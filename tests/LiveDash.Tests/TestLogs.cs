using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LiveDash.Tests;

public record LogEntry(DateTimeOffset At, string Category, LogLevel Level, string Message);

/// <summary>Keeps what the app logs (bounded), so tests can count lines.</summary>
public sealed class TestLogs : ILoggerProvider
{
    const int Capacity = 100_000;
    readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Since(DateTimeOffset start) => _entries.Where(e => e.At >= start).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    sealed class Logger(TestLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logs._entries.Count < Capacity) logs._entries.Enqueue(new(DateTimeOffset.UtcNow, category, logLevel, formatter(state, exception)));
        }
    }
}
