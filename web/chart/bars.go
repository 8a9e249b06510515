package chart

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
)

// A Bar is one row of a Bars chart.
type Bar struct {
	Label string
	Value float64
	// Note is written after the value, e.g. "3 of 5 sessions".
	Note string
}

// Bars is a horizontal bar chart, such as each scenario's repair rate.
type Bars struct {
	// Title is the chart's accessible name (its <title>, not drawn).
	// Desc is its description; when empty, the bars are listed instead.
	Title, Desc string
	// Max is the value of a full-length bar; 0 means the largest value.
	// Bars are drawn clamped to 0…Max, but their labels give the true
	// values.
	Max float64
	// Format writes a bar's value; %.1f by default.
	Format func(float64) string
	Bars   []Bar
	// Width is the drawing's width, 640 when zero; the height follows
	// from the number of bars.
	Width int
	// ID prefixes the ids of the <title> and <desc>; see Lines.ID.
	ID string
}

// Bars layout, in SVG user units.
const (
	barsFont = 13.0
	barsPad  = 12.0
	barsGap  = 10.0
	rowH     = 30.0
	barH     = 18.0
)

// SVG writes the chart as a standalone SVG document.
func (c Bars) SVG(w io.Writer) error {
	width := c.Width
	if width <= 0 {
		width = 640
	}
	width = max(width, 240)
	format := c.Format
	if format == nil {
		format = formatDefault
	}
	desc := c.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeBars(c.Bars, format)
	}
	id := chartID(c.ID, "bars", c.Title)

	var b bytes.Buffer
	if len(c.Bars) == 0 {
		open(&b, id, width, 64, int(barsFont), c.Title, desc)
		writeNoData(&b, width, 64)
	} else {
		height := int(2*barsPad + float64(len(c.Bars))*rowH)
		open(&b, id, width, height, int(barsFont), c.Title, desc)
		c.draw(&b, float64(width), format)
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func barTip(bar Bar, format func(float64) string) string {
	s := bar.Label + ": " + format(bar.Value)
	if strings.TrimSpace(bar.Note) != "" {
		s += " (" + bar.Note + ")"
	}
	return s
}

func describeBars(bars []Bar, format func(float64) string) string {
	if len(bars) == 0 {
		return noData + "."
	}
	parts := make([]string, len(bars))
	for i, bar := range bars {
		parts[i] = barTip(bar, format)
	}
	return strings.Join(parts, "; ") + "."
}

// scaleMax is the value of a full-length bar: Max, or else the largest
// value, or else 1 so that a chart of zeros divides by something.
func (c Bars) scaleMax() float64 {
	if finite(c.Max) && c.Max > 0 {
		return c.Max
	}
	m := 0.0
	for _, bar := range c.Bars {
		if finite(bar.Value) {
			m = max(m, bar.Value)
		}
	}
	if m <= 0 {
		return 1
	}
	return m
}

// draw lays each row out as: the label, right-aligned against the bar; a
// light track showing the full scale with the bar over it; the value in
// a right-aligned column, so that values line up for comparison; and the
// note. The columns take the room their text needs up to a share of the
// width each, so that the track keeps at least a third of it; text
// beyond that is truncated, whole in the row's tooltip.
func (c Bars) draw(b *bytes.Buffer, width float64, format func(float64) string) {
	values := make([]string, len(c.Bars))
	labelW, valueW, noteW := 0.0, 0.0, 0.0
	for i, bar := range c.Bars {
		values[i] = format(bar.Value)
		labelW = max(labelW, textWidth(bar.Label, barsFont))
		// Values are bold, which the estimate for regular text underrates.
		valueW = max(valueW, 1.15*textWidth(values[i], barsFont))
		noteW = max(noteW, textWidth(bar.Note, barsFont))
	}
	avail := width - 2*barsPad - 3*barsGap
	labelW = min(labelW, 0.3*avail)
	valueW = min(valueW, 0.15*avail)
	noteW = min(noteW, 0.2*avail)
	trackW := avail - labelW - valueW - noteW
	if noteW == 0 {
		trackW += barsGap
	}
	trackX := barsPad + labelW + barsGap
	valueRight := trackX + trackW + barsGap + valueW
	noteX := valueRight + barsGap
	full := c.scaleMax()

	for i, bar := range c.Bars {
		top := barsPad + float64(i)*rowH
		barY := top + (rowH-barH)/2
		textY := top + rowH/2 + barsFont*0.35
		length := 0.0
		if !math.IsNaN(bar.Value) {
			length = clamp(bar.Value, 0, full) / full * trackW
		}
		b.WriteString(`<g class="row">`)
		fmt.Fprintf(b, `<title>%s</title>`, esc(barTip(bar, format)))
		fmt.Fprintf(b, `<text class="label" x="%s" y="%s" text-anchor="end">%s</text>`, num(trackX-barsGap), num(textY), esc(fit(bar.Label, labelW, barsFont)))
		fmt.Fprintf(b, `<rect class="track" x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(trackX), num(barY), num(trackW), num(barH), trackColour)
		fmt.Fprintf(b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(trackX), num(barY), num(length), num(barH), barColour)
		fmt.Fprintf(b, `<text class="value" x="%s" y="%s" text-anchor="end" font-weight="600">%s</text>`, num(valueRight), num(textY), esc(fit(values[i], valueW, barsFont)))
		if strings.TrimSpace(bar.Note) != "" {
			fmt.Fprintf(b, `<text class="note" x="%s" y="%s" fill="%s">%s</text>`, num(noteX), num(textY), mutedColour, esc(fit(bar.Note, noteW, barsFont)))
		}
		b.WriteString("</g>\n")
	}
}
