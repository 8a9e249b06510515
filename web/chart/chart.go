// Package chart draws small line and bar charts as standalone SVG on the
// server, so that the dashboards need no JavaScript chart library. The
// drawings are plain and accessible: a title and description for screen
// readers, series told apart by shape and dash as well as colour, and
// every piece of text escaped.
//
// The output uses presentation attributes only (fill=, stroke=, …): the
// app's Content-Security-Policy forbids <style> elements and style=
// attributes. Elements carry classes ("marker", "bar", …) so that a page's
// own stylesheet can adjust them, and the tests can find them.
package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Colours. The series colours are the Okabe–Ito palette, which stays
// distinguishable with the common colour-vision deficiencies; its yellow
// is left out because it is too faint on white, and the order puts the
// colours with the most contrast against white first.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9"}

const (
	textColour  = "#222"
	mutedColour = "#555" // 7:1 on white, still readable for notes and ticks
	axisColour  = "#767676"
	gridColour  = "#e2e2e2"
	trackColour = "#ececec"
	barColour   = "#0072B2"

	fontFamily = "system-ui, sans-serif"
	// charWidth is a generous estimate of the average advance of a
	// character, as a fraction of the font size, for a proportional sans
	// serif: the server cannot measure text, so labels are truncated
	// against this estimate.
	charWidth = 0.6

	noData = "No data yet"
)

// formatDefault writes a value with one decimal, as the brief for both
// charts asks.
func formatDefault(v float64) string { return fmt.Sprintf("%.1f", v) }

// esc escapes text for use both as element content and inside a
// double-quoted attribute: xml.EscapeText escapes <, >, &, both quotes and
// the line-breaking characters, and replaces characters XML cannot hold.
func esc(s string) string {
	var sb strings.Builder
	xml.EscapeText(&sb, []byte(s))
	return sb.String()
}

// num writes a coordinate with at most one decimal, so that output stays
// small and the same input always gives the same bytes.
func num(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// textWidth estimates how wide s is drawn at the font size.
func textWidth(s string, fontSize float64) float64 {
	return float64(utf8.RuneCountInString(s)) * charWidth * fontSize
}

// fit shortens s with an ellipsis so that it takes about px at the font
// size. The caller keeps the full text for a <title>.
func fit(s string, px, fontSize float64) string {
	most := int(px/(charWidth*fontSize) + 1e-9)
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	if most <= 1 {
		return "…"
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:most-1]), " ") + "…"
}

// chartID returns the prefix for the ids of a chart's <title> and <desc>.
// Ids must be unique in a page that inlines several charts, so without an
// explicit one it is derived from the chart's kind and title: stable
// across renders, and different for differently titled charts. Only
// characters that are safe in an id and in aria-labelledby's
// space-separated list are kept.
func chartID(explicit, kind, title string) string {
	if explicit != "" {
		var sb strings.Builder
		for _, r := range explicit {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
				sb.WriteRune(r)
			default:
				sb.WriteByte('-')
			}
		}
		s := sb.String()
		if s[0] >= '0' && s[0] <= '9' || s[0] == '-' {
			s = "chart-" + s
		}
		return s
	}
	h := fnv.New32a()
	h.Write([]byte(kind + "\x00" + title))
	return fmt.Sprintf("chart-%08x", h.Sum32())
}

// open starts the drawing: the root element, its accessible name and
// description, and a white background so that the fixed colours keep
// their contrast on any page.
func open(b *bytes.Buffer, id string, width, height int, fontSize int, title, desc string) {
	if strings.TrimSpace(title) == "" {
		title = "Chart"
	}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc" font-family="%s" font-size="%d" fill="%s">`+"\n",
		width, height, width, height, id, id, fontFamily, fontSize, textColour)
	fmt.Fprintf(b, `<title id="%s-title">%s</title>`+"\n", id, esc(title))
	fmt.Fprintf(b, `<desc id="%s-desc">%s</desc>`+"\n", id, esc(desc))
	fmt.Fprintf(b, `<rect class="background" width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
}

func writeNoData(b *bytes.Buffer, width, height int) {
	// A faint frame, so that the empty chart still reads as a place
	// where a chart will be.
	fmt.Fprintf(b, `<rect x="0.5" y="0.5" width="%d" height="%d" fill="none" stroke="%s" stroke-dasharray="4 4"/>`+"\n", width-1, height-1, gridColour)
	fmt.Fprintf(b, `<text class="no-data" x="%s" y="%s" text-anchor="middle" font-size="14" fill="%s">%s</text>`+"\n",
		num(float64(width)/2), num(float64(height)/2+5), mutedColour, noData)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
