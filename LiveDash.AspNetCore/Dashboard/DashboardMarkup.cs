using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveDash.AspNetCore;

/// <summary>
/// The generic dashboard's body (Dashboard/DashboardBody.html, embedded): parsed once, rendered by the library's page and by
/// <see cref="LiveDashDashboardTagHelper"/> on a host's Razor page, with the host's markup in its slots.
/// </summary>
static partial class DashboardMarkup
{
    abstract record Part;
    sealed record Literal(string Html) : Part;
    sealed record Slot(string Name, string Default) : Part;
    sealed record Value(string Name) : Part;

    static readonly Part[] Parts = Parse(Load());

    /// <summary>The names a host's <c>&lt;livedash-slot&gt;</c> may take, in the order they appear.</summary>
    public static readonly IReadOnlyList<string> SlotNames = [.. Parts.OfType<Slot>().Select(s => s.Name)];

    /// <summary>What fills the body's <c>{{…}}</c>: text is encoded here; <paramref name="Attributes"/> and <paramref name="Blocking"/> are markup.</summary>
    /// <param name="Hub">The hub's path.</param>
    /// <param name="Edges">The histogram's bin edges, comma-separated.</param>
    /// <param name="Modes">The host's label names, comma-separated.</param>
    /// <param name="Attributes">More attributes for <c>#dash</c>, each with a leading space.</param>
    /// <param name="Blocking">The blocking-capture panel, or empty.</param>
    public sealed record Values(string Hub, string Edges, string Modes, string Attributes = "", string Blocking = "");

    /// <summary>The values of a host whose labels are <paramref name="labels"/>.</summary>
    public static Values For(ILiveDashLabels labels, string hub, string? blockingCaptureUrl, string attributes = "") => new(
        hub,
        string.Join(",", TelemetryAggregator.HistogramEdgesMs.Select(e => e.ToString(CultureInfo.InvariantCulture))),
        string.Join(",", labels.Names),
        attributes,
        blockingCaptureUrl is null ? "" : LiveDashPanels.Blocking(blockingCaptureUrl));

    public static string Render(Values values, IReadOnlyDictionary<string, string>? slots = null)
    {
        var html = new StringBuilder(12_000);
        foreach (var part in Parts)
        {
            html.Append(part switch
            {
                Literal literal => literal.Html,
                Slot slot => slots is not null && slots.TryGetValue(slot.Name, out var given) ? given : slot.Default,
                Value { Name: "hub" } => WebUtility.HtmlEncode(values.Hub),
                Value { Name: "edges" } => WebUtility.HtmlEncode(values.Edges),
                Value { Name: "modes" } => WebUtility.HtmlEncode(values.Modes),
                Value { Name: "attributes" } => values.Attributes,
                Value { Name: "blocking" } => values.Blocking,
                Value value => throw new InvalidOperationException($"DashboardBody.html names {{{{{value.Name}}}}}, which nothing fills"),
                _ => "",
            });
        }
        return html.ToString();
    }

    static string Load()
    {
        using var stream = typeof(DashboardMarkup).Assembly.GetManifestResourceStream("LiveDash.AspNetCore.DashboardBody.html")
            ?? throw new InvalidOperationException("the embedded DashboardBody.html is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    static Part[] Parse(string template)
    {
        template = LeadingComment().Replace(template, "");
        var parts = new List<Part>();
        var at = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            parts.Add(new Literal(template[at..match.Index]));
            parts.Add(match.Groups["slot"].Success ? new Slot(match.Groups["slot"].Value, match.Groups["default"].Value) : new Value(match.Groups["value"].Value));
            at = match.Index + match.Length;
        }
        parts.Add(new Literal(template[at..]));
        return [.. parts];
    }

    [GeneratedRegex(@"\A\s*<!--.*?-->\s*", RegexOptions.Singleline)]
    private static partial Regex LeadingComment();

    [GeneratedRegex(@"<livedash-slot name=""(?<slot>[a-z-]+)"">(?<default>.*?)</livedash-slot>|\{\{(?<value>[a-z]+)\}\}", RegexOptions.Singleline)]
    private static partial Regex Placeholder();
}
