using Microsoft.Extensions.Options;

namespace LiveDash.Site;

/// <summary>Settings that check themselves: each failure names its full configuration key.</summary>
public interface IValidatedOptions
{
    IEnumerable<string> Validate(string section);
}

public static class ValidatedOptionsExtensions
{
    /// <summary>A bad setting that reaches the top ends the process with its message alone (exit code 2), not a stack trace.</summary>
    public static void ExplainBadSettings() => AppDomain.CurrentDomain.UnhandledException += (_, e) =>
    {
        if (e.ExceptionObject is not OptionsValidationException bad) return;
        Console.Error.WriteLine($"error: bad configuration: {bad.Message}");
        Environment.Exit(2);
    };

    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> strictly (an unknown or misspelt key is an
    /// error), validates it now, for the set-up code that needs it before the app is built, and again on
    /// start through the options system, so bad configuration stops the app with a message naming the key.
    /// </summary>
    /// <param name="fallback">Fills values from elsewhere in configuration (e.g. LIVEDASH_PG) where the section left them unset.</param>
    public static T AddValidatedOptions<T>(this WebApplicationBuilder builder, string section, Action<T, IConfiguration>? fallback = null)
        where T : class, IValidatedOptions, new()
    {
        // Several features read one section (LiveDash, Database): it is bound, registered and checked once.
        if (builder.Host.Properties.TryGetValue(typeof(T), out var bound)) return (T)bound;
        var configuration = builder.Configuration;
        builder.Services.AddOptions<T>()
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure(options => fallback?.Invoke(options, configuration))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(section));
        var now = new T();
        try
        {
            configuration.GetSection(section).Bind(now, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(section, typeof(T), [$"configuration section '{section}': {e.Message}"]);
        }
        fallback?.Invoke(now, configuration);
        var failures = now.Validate(section).ToList();
        if (failures.Count > 0) throw new OptionsValidationException(section, typeof(T), failures);
        builder.Host.Properties[typeof(T)] = now;
        return now;
    }

    sealed class Validator<T>(string section) : IValidateOptions<T> where T : class, IValidatedOptions
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            options.Validate(section).ToList() is { Count: > 0 } failures ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
