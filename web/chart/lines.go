package chart

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Point is one value in a series; Label names it for the table and the
// tooltip (<title>), e.g. a session's scenario and date.
type Point struct {
	X     time.Time
	Y     float64
	Label string
}

// A Series is one line of a Lines chart, such as one criterion.
type Series struct {
	Name   string
	Points []Point
}

// Lines is a line chart over time, such as a trainee's mean score per
// criterion session by session.
type Lines struct {
	// Title is the chart's accessible name (its <title>, not drawn: the
	// page has a heading). Desc is its description for screen readers;
	// when empty, a summary of each series is written instead.
	Title, Desc string
	// YLabel is drawn above the Y axis, e.g. "Mean score (0–4)".
	YLabel string
	// YMin and YMax are the Y axis range, e.g. 0 and 4 for scores. The
	// range widens to hold values outside it; when YMax is not above
	// YMin (both zero, say), it comes from the data and includes zero.
	YMin, YMax float64
	Series     []Series
	// Width and Height are the drawing's size; 640×320 when zero.
	Width, Height int
	// Format writes a value for tooltips, the description and, when set,
	// the Y ticks; by default %.1f, with ticks written as plainly as
	// their step allows (0, 1, 2… or 0.2, 0.4…).
	Format func(float64) string
	// ID prefixes the ids of the <title> and <desc>; set it when a page
	// inlines two charts with the same title. By default it is derived
	// from the title.
	ID string
}

// Series styles beyond the colour, so that lines can be told apart in
// grey or by someone who cannot tell the colours apart: a marker shape
// and a dash pattern each. The dashes use butt caps; round caps would
// swallow the short gaps.
var (
	shapes = []string{
		`<circle r="4.5" fill="%s" stroke="#fff" stroke-width="1"/>`,
		`<rect x="-4" y="-4" width="8" height="8" fill="%s" stroke="#fff" stroke-width="1"/>`,
		`<path d="M0,-5.5L5,3.5L-5,3.5Z" fill="%s" stroke="#fff" stroke-width="1"/>`,
		`<path d="M0,-5.5L5.5,0L0,5.5L-5.5,0Z" fill="%s" stroke="#fff" stroke-width="1"/>`,
		`<path d="M0,5.5L5,-3.5L-5,-3.5Z" fill="%s" stroke="#fff" stroke-width="1"/>`,
		`<path d="M-1.75,-5.5h3.5v3.75h3.75v3.5h-3.75v3.75h-3.5v-3.75h-3.75v-3.5h3.75Z" fill="%s" stroke="#fff" stroke-width="1"/>`,
	}
	shapeNames = []string{"circle", "square", "triangle", "diamond", "triangle-down", "plus"}
	dashes     = []string{"", "8 4", "2 3", "10 3 2 3", "5 2", "12 3 2 3 2 3"}
)

// Lines layout, in SVG user units.
const (
	linesFont   = 12.0
	linesPad    = 12.0
	legendRow   = 20.0
	legendName  = 180.0 // widest legend name before it is truncated
	legendLine  = 28.0  // the sample of the line's dash and marker
	xInset      = 14.0  // keeps the outermost markers off the axis
	xLabelRoom  = 22.0
	hitRadius   = 9.0 // an invisible target around a marker, for the tooltip
	markerClass = "marker"
)

// SVG writes the chart as a standalone SVG document.
func (c Lines) SVG(w io.Writer) error {
	width, height := c.Width, c.Height
	if width <= 0 {
		width = 640
	}
	if height <= 0 {
		height = 320
	}
	// Below this the axes and legend no longer fit.
	width, height = max(width, 240), max(height, 160)
	format := c.Format
	if format == nil {
		format = formatDefault
	}
	series := cleanSeries(c.Series)
	desc := c.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeLines(series, format)
	}

	var b bytes.Buffer
	open(&b, chartID(c.ID, "lines", c.Title), width, height, int(linesFont), c.Title, desc)
	if countPoints(series) == 0 {
		writeNoData(&b, width, height)
	} else {
		c.draw(&b, series, float64(width), float64(height))
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// cleanSeries copies the series with their points in time order, leaving
// out points that cannot be placed: a zero time or a value that is not a
// finite number.
func cleanSeries(in []Series) []Series {
	out := make([]Series, len(in))
	for i, s := range in {
		out[i].Name = s.Name
		for _, p := range s.Points {
			if !p.X.IsZero() && finite(p.Y) {
				out[i].Points = append(out[i].Points, p)
			}
		}
		sort.SliceStable(out[i].Points, func(a, b int) bool { return out[i].Points[a].X.Before(out[i].Points[b].X) })
	}
	return out
}

func countPoints(series []Series) int {
	n := 0
	for _, s := range series {
		n += len(s.Points)
	}
	return n
}

func seriesName(s Series, i int) string {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Sprintf("Series %d", i+1)
	}
	return s.Name
}

// longDate is unambiguous wherever it is read: descriptions and
// tooltips.
func longDate(t time.Time) string { return t.Format("2 Jan 2006") }

func describeLines(series []Series, format func(float64) string) string {
	var parts []string
	for i, s := range series {
		name := seriesName(s, i)
		switch n := len(s.Points); n {
		case 0:
			parts = append(parts, name+": no data yet.")
		case 1:
			p := s.Points[0]
			parts = append(parts, fmt.Sprintf("%s: one value, %s on %s.", name, format(p.Y), longDate(p.X)))
		default:
			first, last := s.Points[0], s.Points[n-1]
			parts = append(parts, fmt.Sprintf("%s: %d values from %s to %s; first %s, latest %s.",
				name, n, longDate(first.X), longDate(last.X), format(first.Y), format(last.Y)))
		}
	}
	if countPoints(series) == 0 {
		return noData + "."
	}
	return strings.Join(parts, " ")
}

func (c Lines) draw(b *bytes.Buffer, series []Series, width, height float64) {
	top := linesPad
	if len(series) > 1 || strings.TrimSpace(series[0].Name) != "" {
		top = writeLegend(b, series, linesPad, top, width)
	}
	if c.YLabel != "" {
		shown := fit(c.YLabel, width-2*linesPad, linesFont)
		fmt.Fprintf(b, `<text class="y-label" x="%s" y="%s" font-weight="600">%s</text>`+"\n", num(linesPad), num(top+linesFont), esc(shown))
		top += linesFont + 8
	}

	lo, hi, step := yScale(c.YMin, c.YMax, series)
	ticks := tickValues(lo, hi, step)
	tickText := make([]string, len(ticks))
	labelW := 0.0
	for i, v := range ticks {
		if c.Format != nil {
			tickText[i] = c.Format(v)
		} else {
			tickText[i] = tickLabel(v, step)
		}
		labelW = max(labelW, textWidth(tickText[i], linesFont))
	}

	plotTop := top + 8 // half a tick label above the highest line
	plotBottom := height - linesPad - xLabelRoom
	plotLeft := linesPad + labelW + 8
	plotRight := width - linesPad
	yAt := func(v float64) float64 {
		return plotBottom - (v-lo)/(hi-lo)*(plotBottom-plotTop)
	}
	tMin, tMax := timeRange(series)
	span := tMax.Sub(tMin).Seconds()
	innerLeft, innerW := plotLeft+xInset, plotRight-plotLeft-2*xInset
	xAt := func(t time.Time) float64 {
		if span <= 0 {
			return innerLeft + innerW/2 // one moment: the middle, not a division by zero
		}
		return innerLeft + t.Sub(tMin).Seconds()/span*innerW
	}

	b.WriteString(`<g class="y-axis">` + "\n")
	for i, v := range ticks {
		y := yAt(v)
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, num(plotLeft), num(y), num(plotRight), num(y), gridColour)
		fmt.Fprintf(b, `<text class="tick" x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`+"\n", num(plotLeft-6), num(y+4), mutedColour, esc(tickText[i]))
	}
	fmt.Fprintf(b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(plotLeft), num(plotTop), num(plotLeft), num(plotBottom), axisColour)
	b.WriteString("</g>\n")

	b.WriteString(`<g class="x-axis">` + "\n")
	fmt.Fprintf(b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(plotLeft), num(plotBottom), num(plotRight), num(plotBottom), axisColour)
	withYear := tMin.Year() != tMax.Year()
	for _, l := range dateLabels(series, xAt, withYear) {
		half := textWidth(l.text, linesFont) / 2
		tx := clamp(l.x, half+2, width-half-2)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, num(l.x), num(plotBottom), num(l.x), num(plotBottom+4), axisColour)
		fmt.Fprintf(b, `<text class="tick" x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", num(tx), num(plotBottom+17), mutedColour, esc(l.text))
	}
	b.WriteString("</g>\n")

	for i, s := range series {
		colour, dash, shape := seriesStyle(i)
		name := seriesName(s, i)
		fmt.Fprintf(b, `<g class="series" data-series="%d" data-shape="%s">`+"\n", i, shapeNames[shape])
		if len(s.Points) > 1 {
			pts := make([]string, len(s.Points))
			for j, p := range s.Points {
				pts[j] = num(xAt(p.X)) + "," + num(yAt(p.Y))
			}
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>`+"\n", strings.Join(pts, " "), colour, dashAttr(dash))
		}
		for _, p := range s.Points {
			label := p.Label
			if strings.TrimSpace(label) == "" {
				label = longDate(p.X)
			}
			tip := label + ": " + c.format(p.Y)
			if strings.TrimSpace(s.Name) != "" {
				tip = name + " — " + tip
			}
			writeMarker(b, markerClass, shape, colour, xAt(p.X), yAt(p.Y), tip)
			b.WriteString("\n")
		}
		b.WriteString("</g>\n")
	}
}

func (c Lines) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return formatDefault(v)
}

func seriesStyle(i int) (colour, dash string, shape int) {
	return palette[i%len(palette)], dashes[i%len(dashes)], i % len(shapes)
}

func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return ` stroke-dasharray="` + dash + `"`
}

// writeMarker draws a marker centred on x, y, translated so that tests
// and stylesheets find its position in one place. The invisible circle
// behind it is a larger target for the pointer, so that the tooltip is
// easy to reach; fill-opacity 0 still counts as painted for hit testing.
func writeMarker(b *bytes.Buffer, class string, shape int, colour string, x, y float64, tip string) {
	fmt.Fprintf(b, `<g class="%s" transform="translate(%s,%s)">`, class, num(x), num(y))
	if tip != "" {
		fmt.Fprintf(b, `<title>%s</title><circle r="%s" fill="#fff" fill-opacity="0"/>`, esc(tip), num(hitRadius))
	}
	fmt.Fprintf(b, shapes[shape], colour)
	b.WriteString(`</g>`)
}

// writeLegend lays the series out in rows across the top, each as a
// short sample of its line with its marker and its name, and returns
// where the space below it begins.
func writeLegend(b *bytes.Buffer, series []Series, left, top, width float64) float64 {
	x, y := left, top
	b.WriteString(`<g class="legend">` + "\n")
	for i, s := range series {
		name := seriesName(s, i)
		if len(s.Points) == 0 {
			name += " (no data)"
		}
		shown := fit(name, legendName, linesFont)
		entry := legendLine + 6 + textWidth(shown, linesFont)
		if x > left && x+entry > width-linesPad {
			x, y = left, y+legendRow
		}
		colour, dash, shape := seriesStyle(i)
		mid := y + legendRow/2
		b.WriteString(`<g class="legend-item">`)
		if shown != name {
			fmt.Fprintf(b, `<title>%s</title>`, esc(name))
		}
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`, num(x), num(mid), num(x+legendLine), num(mid), colour, dashAttr(dash))
		writeMarker(b, "legend-marker", shape, colour, x+legendLine/2, mid, "")
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text></g>`+"\n", num(x+legendLine+6), num(mid+4), esc(shown))
		x += entry + 18
	}
	b.WriteString("</g>\n")
	return y + legendRow + 4
}

// yScale returns the Y axis range and the step between its ticks. An
// explicit range is kept where the data fit in it; sides that come from
// the data are rounded out to a whole step.
func yScale(yMin, yMax float64, series []Series) (lo, hi, step float64) {
	dMin, dMax := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			dMin, dMax = math.Min(dMin, p.Y), math.Max(dMax, p.Y)
		}
	}
	explicit := finite(yMin) && finite(yMax) && yMax > yMin
	roundLo, roundHi := true, true
	if explicit {
		lo, hi = yMin, yMax
		if dMin < lo {
			lo = dMin
		} else {
			roundLo = false
		}
		if dMax > hi {
			hi = dMax
		} else {
			roundHi = false
		}
	} else {
		lo, hi = math.Min(0, dMin), math.Max(0, dMax)
	}
	if hi-lo <= 0 {
		hi = lo + 1
	}
	step = niceStep(hi - lo)
	if roundLo {
		lo = math.Floor(lo/step) * step
	}
	if roundHi {
		hi = math.Ceil(hi/step) * step
	}
	return lo, hi, step
}

// niceStep picks a tick step of 1, 2 or 5 times a power of ten that gives
// at most six ticks: whole numbers for a 0–4 score, tenths or fifths for
// a rate.
func niceStep(span float64) float64 {
	raw := span / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

func tickValues(lo, hi, step float64) []float64 {
	var ticks []float64
	for i := math.Ceil(lo/step - 1e-9); i*step <= hi+step*1e-9; i++ {
		ticks = append(ticks, i*step)
	}
	return ticks
}

// tickLabel writes a tick with as many decimals as its step needs.
func tickLabel(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if math.Abs(v) < step*1e-6 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

func timeRange(series []Series) (lo, hi time.Time) {
	for _, s := range series {
		for _, p := range s.Points {
			if lo.IsZero() || p.X.Before(lo) {
				lo = p.X
			}
			if hi.IsZero() || p.X.After(hi) {
				hi = p.X
			}
		}
	}
	return lo, hi
}

type dateLabel struct {
	x    float64
	text string
}

// dateLabels labels the days that have points, at the first point of
// each, leaving out any that would overlap the one before; the most
// recent day is kept in preference to the one before it.
func dateLabels(series []Series, xAt func(time.Time) float64, withYear bool) []dateLabel {
	var all []time.Time
	for _, s := range series {
		for _, p := range s.Points {
			all = append(all, p.X)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Before(all[j]) })
	layout := "2 Jan"
	if withYear {
		layout = "2 Jan 2006"
	}
	var candidates []dateLabel
	lastDay := ""
	for _, t := range all {
		if day := t.Format("2006-01-02"); day != lastDay {
			lastDay = day
			candidates = append(candidates, dateLabel{xAt(t), t.Format(layout)})
		}
	}
	gap := textWidth(time.Date(2006, 12, 22, 0, 0, 0, 0, time.UTC).Format(layout), linesFont) + 10
	var kept []dateLabel
	for _, l := range candidates {
		if len(kept) == 0 || l.x-kept[len(kept)-1].x >= gap {
			kept = append(kept, l)
		}
	}
	last := candidates[len(candidates)-1]
	if n := len(kept); kept[n-1] != last && n > 1 && last.x-kept[n-2].x >= gap {
		kept[n-1] = last
	}
	return kept
}
