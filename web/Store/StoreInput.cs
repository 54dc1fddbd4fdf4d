using System.Globalization;
using LiveDash.Site;
using Microsoft.Extensions.Primitives;

namespace LiveDash.Store;

/// <summary>
/// Parses the store's query-string input with messages that name the field. The pages and the JSON twins
/// both read the raw query through here, so they accept and refuse exactly the same input.
/// </summary>
public static class StoreInput
{
    public const int MaxSearchLength = 100;
    public const int MaxPage = 10_000;

    public static bool TryPage(StringValues raw, out int page, out string? error)
    {
        page = 1;
        if (!TrySingle("page", raw, out var text, out error)) return false;
        if (text is null || text.Length == 0) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out page) && page is >= 1 and <= MaxPage) return true;
        error = $"page must be a whole number from 1 to {MaxPage}, got '{ApiProblem.Excerpt(text)}'";
        return false;
    }

    public static bool TrySearch(StringValues raw, out string search, out string? error)
    {
        search = "";
        if (!TrySingle("search", raw, out var text, out error)) return false;
        search = text?.Trim() ?? "";
        if (search.Length > MaxSearchLength)
        {
            error = $"search must be at most {MaxSearchLength} characters, got {search.Length}";
            return false;
        }
        if (search.IndexOfAnyInRange('\0', '\u001f') is var at and >= 0 || (at = search.IndexOf('\u007f')) >= 0)
        {
            error = $"search must not contain control characters, found U+{(int)search[at]:X4} at position {at + 1}";
            search = "";
            return false;
        }
        return true;
    }

    public static bool TryId(string field, StringValues raw, out int id, out string? error)
    {
        id = 0;
        if (!TrySingle(field, raw, out var text, out error)) return false;
        if (string.IsNullOrEmpty(text))
        {
            error = $"{field} is required (a positive whole number)";
            return false;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id >= 1) return true;
        error = $"{field} must be a positive whole number, got '{ApiProblem.Excerpt(text)}'";
        return false;
    }

    static bool TrySingle(string field, StringValues raw, out string? text, out string? error)
    {
        error = null;
        text = raw.Count == 0 ? null : raw[0];
        if (raw.Count <= 1) return true;
        error = $"{field} must be given once, got {raw.Count} values";
        return false;
    }
}
