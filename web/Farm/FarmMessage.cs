using System.Text.Json;

namespace LiveDash.Farm;

/// <summary>
/// What travels on the farm's NOTIFY channel: one letter for the kind, then JSON.
/// s = settings {v, by, s}, r = reset {by}, t = a <see cref="FarmTick"/>, b = an instance stopping {by};
/// l = a load-run event (LiveDash.Load.LoadEvent), L = the id of one too long for NOTIFY, kept in livedash_farm_load_events;
/// f = a failed admin sign-in {by, address}.
/// </summary>
static class FarmMessage
{
    public const char SettingsKind = 's', ResetKind = 'r', TickKind = 't', ByeKind = 'b', LoadKind = 'l', LoadStoredKind = 'L', SignInFailureKind = 'f';

    sealed record SettingsNotice(long V, string By, JsonElement S);
    sealed record FromBody(string By);
    sealed record SignInFailureBody(string By, string Address);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Settings(long version, string instance, string document) =>
        SettingsKind + $"{{\"v\":{version},\"by\":{JsonSerializer.Serialize(instance)},\"s\":{document}}}";

    public static string Reset(string instance) => ResetKind + JsonSerializer.Serialize(new FromBody(instance), Json);
    public static string Bye(string instance) => ByeKind + JsonSerializer.Serialize(new FromBody(instance), Json);
    public static string Tick(string encodedTick) => TickKind + encodedTick;
    public static string SignInFailure(string instance, string address) => SignInFailureKind + JsonSerializer.Serialize(new SignInFailureBody(instance, address), Json);

    public static bool TryReadSignInFailure(string body, out string from, out string address)
    {
        from = ""; address = "";
        try
        {
            if (JsonSerializer.Deserialize<SignInFailureBody>(body, Json) is not { By: { } by, Address: { Length: > 0 and <= 64 } at }) return false;
            (from, address) = (by, at);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static bool TryReadSettings(string body, out long version, out string from, out string document)
    {
        version = 0; from = ""; document = "";
        try
        {
            var message = JsonSerializer.Deserialize<SettingsNotice>(body, Json);
            if (message is null || message.S.ValueKind != JsonValueKind.Object) return false;
            (version, from, document) = (message.V, message.By ?? "", message.S.GetRawText());
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static string? ReadFrom(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<FromBody>(body, Json)?.By;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
