using System.Net;
using System.Text;
using System.Text.Json;

namespace LiveDash.LoadTests.Reports;

/// <summary>A self-contained HTML page: inline styles, data as embedded JSON, Chart.js inlined when it is available.</summary>
public sealed class HtmlPage(string title)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };
    readonly StringBuilder _body = new();

    public HtmlPage Heading(string text, int level = 2) => Raw($"<h{level}>{WebUtility.HtmlEncode(text)}</h{level}>");

    public HtmlPage Paragraph(string text, string? cssClass = null) =>
        Raw($"<p{(cssClass is null ? "" : $" class=\"{cssClass}\"")}>{WebUtility.HtmlEncode(text)}</p>");

    public HtmlPage Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.Append("<table><thead><tr>");
        foreach (var h in header) _body.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        _body.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            foreach (var cell in row) _body.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            _body.Append("</tr>");
        }
        _body.Append("</tbody></table>");
        return this;
    }

    public HtmlPage Canvas(string id) => Raw($"<div class=\"chart\"><canvas id=\"{id}\"></canvas></div>");

    public HtmlPage Raw(string html)
    {
        _body.Append(html).Append('\n');
        return this;
    }

    /// <summary>Writes the page; <paramref name="chartScript"/> reads <c>DATA</c> and draws with Chart.js.</summary>
    public string Render(object data, string chartScript)
    {
        var library = ChartLibrary.Load();
        var html = new StringBuilder();
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(title))
            .Append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}")
            .Append("table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}")
            .Append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.chart{height:320px;margin:1rem 0}")
            .Append(".note{background:#fff6d6;border:1px solid #e6c200;padding:.6rem}.fail{color:#b00020;font-weight:bold}.pass{color:#1b7f2a}</style>\n</head><body>\n")
            .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        if (library is null)
            html.Append("<p class=\"note\">Charts need Chart.js, which was not found under LiveDash.AspNetCore/wwwroot/lib/ when this report was written ")
                .Append("(it is restored from libman.json by ./livedash up). The tables below hold every figure.</p>\n");
        html.Append(_body);
        html.Append("<script id=\"run-data\" type=\"application/json\">").Append(JsonSerializer.Serialize(data, Json)).Append("</script>\n");
        if (library is not null)
        {
            // A literal "</script" inside the library would end the inline element early.
            html.Append("<script>").Append(library.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("</script>\n");
            html.Append("<script>const DATA = JSON.parse(document.getElementById('run-data').textContent);\n")
                .Append(chartScript).Append("</script>\n");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }
}
