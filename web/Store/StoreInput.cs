namespace LiveDash.Store;

/// <summary>Parses the store's query-string input with messages that name the field.</summary>
public static class StoreInput
{
    public const int MaxSearchLength = 100;
    public const int MaxPage = 10_000;

    public static bool TryPage(string? raw, out int page, out string? error)
    {
        error = null;
        page = 1;
        if (string.IsNullOrEmpty(raw)) return true;
        if (int.TryParse(raw, out page) && page is >= 1 and <= MaxPage) return true;
        error = $"page must be a whole number from 1 to {MaxPage}, got '{Clip(raw)}'";
        return false;
    }

    public static bool TrySearch(string? raw, out string search, out string? error)
    {
        search = raw?.Trim() ?? "";
        error = null;
        if (search.Length <= MaxSearchLength) return true;
        error = $"search must be at most {MaxSearchLength} characters, got {search.Length}";
        return false;
    }

    public static bool TryId(string field, string? raw, out int id, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(raw))
        {
            id = 0;
            error = $"{field} is required (a positive whole number)";
            return false;
        }
        if (int.TryParse(raw, out id) && id >= 1) return true;
        error = $"{field} must be a positive whole number, got '{Clip(raw)}'";
        return false;
    }

    static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
