// Package chart is the geometry of dialdesk's server-drawn SVG charts:
// scales with round ticks, bar positions and heights, heatmap cells, and the
// check that a platform color is a plain #rgb/#rrggbb before it reaches a
// page. It does no drawing and no I/O: views lay out the SVG from what these
// functions compute, and the tests here pin the numbers.
package chart

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Scale maps values 0…Max onto 0…Len (pixels). Max is a round number at or
// above the data's largest value, so the top tick is a label a reader likes.
type Scale struct {
	Max   float64   // the value at the end of the axis
	Len   float64   // the axis length in SVG units
	Ticks []float64 // round values from 0 to Max, both included
}

// NewScale returns a scale for values up to max over length units, with
// about n intervals between round ticks (steps of 1, 2 or 5 × 10^k). A max
// of zero or less gives the scale 0…1 (an empty chart still has an axis).
func NewScale(max, length float64, n int) Scale {
	if n < 1 {
		n = 1
	}
	if !(max > 0) || math.IsInf(max, 0) {
		max = 1
	}
	step := niceStep(max / float64(n))
	top := math.Ceil(max/step-1e-9) * step
	ticks := make([]float64, 0, n+2)
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > top+step/2 {
			break
		}
		ticks = append(ticks, round(v, step))
	}
	return Scale{Max: top, Len: length, Ticks: ticks}
}

// NewCountScale is NewScale for counts: its ticks are whole numbers (a
// step of at least 1), so an axis up to 2 calls reads 0, 1, 2.
func NewCountScale(max, length float64, n int) Scale {
	if n < 1 {
		n = 1
	}
	if !(max > 1) {
		return NewScale(1, length, 1)
	}
	if max < float64(n) {
		n = int(math.Ceil(max))
	}
	return NewScale(max, length, n)
}

// niceStep is the smallest of 1, 2, 5 × 10^k at or above raw.
func niceStep(raw float64) float64 {
	exp := math.Floor(math.Log10(raw))
	base := math.Pow(10, exp)
	for _, m := range []float64{1, 2, 5, 10} {
		if m*base >= raw*(1-1e-9) {
			return m * base
		}
	}
	return 10 * base
}

// round removes float noise from a tick (0.30000000000000004 → 0.3).
func round(v, step float64) float64 {
	digits := math.Max(0, -math.Floor(math.Log10(step))+1)
	p := math.Pow(10, digits)
	return math.Round(v*p) / p
}

// At is v's distance from the axis origin, clamped to 0…Len.
func (s Scale) At(v float64) float64 {
	if s.Max <= 0 || !(v > 0) {
		return 0
	}
	if v >= s.Max {
		return s.Len
	}
	return v / s.Max * s.Len
}

// Band places n equal slots along length with a gap (a fraction 0…1 of a
// slot) shared on both sides of each bar: slot i's bar starts at Start(i)
// and is Width wide.
type Band struct {
	N     int
	Len   float64
	Gap   float64
	Width float64 // one bar's width
	slot  float64
}

// NewBand divides length into n slots, each bar taking 1-gap of its slot.
func NewBand(n int, length, gap float64) Band {
	if n < 1 {
		return Band{Len: length, Gap: gap}
	}
	gap = math.Min(math.Max(gap, 0), 0.9)
	slot := length / float64(n)
	return Band{N: n, Len: length, Gap: gap, Width: slot * (1 - gap), slot: slot}
}

// Start is the offset of bar i's leading edge.
func (b Band) Start(i int) float64 { return float64(i)*b.slot + b.slot*b.Gap/2 }

// Center is the middle of slot i (where its label goes).
func (b Band) Center(i int) float64 { return float64(i)*b.slot + b.slot/2 }

// Bar is one rectangle of a column chart in SVG coordinates (y grows down).
type Bar struct {
	X, Y, W, H float64
}

// Columns lays out vertical bars for values in a plot of width w and height
// h whose origin (bottom-left) is at (x0, y0+h); the scale's Max is the top.
func Columns(values []float64, sc Scale, x0, y0, w float64, gap float64) []Bar {
	band := NewBand(len(values), w, gap)
	bars := make([]Bar, len(values))
	for i, v := range values {
		bh := sc.At(v)
		bars[i] = Bar{X: x0 + band.Start(i), Y: y0 + sc.Len - bh, W: band.Width, H: bh}
	}
	return bars
}

// Rows lays out horizontal bars: value i is a bar in row i of height rowH
// (gap fraction left empty), starting at x0, its length from sc.
func Rows(values []float64, sc Scale, x0, y0, rowH, gap float64) []Bar {
	band := NewBand(len(values), rowH*float64(len(values)), gap)
	bars := make([]Bar, len(values))
	for i, v := range values {
		bars[i] = Bar{X: x0, Y: y0 + band.Start(i), W: sc.At(v), H: band.Width}
	}
	return bars
}

// Point is a vertex of a line.
type Point struct{ X, Y float64 }

// Line places values at the centres of n bands across w, measured on sc
// from the bottom of a plot whose top is y0; NaN values are skipped.
func Line(values []float64, sc Scale, x0, y0, w float64) []Point {
	band := NewBand(len(values), w, 0)
	pts := make([]Point, 0, len(values))
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		pts = append(pts, Point{X: x0 + band.Center(i), Y: y0 + sc.Len - sc.At(v)})
	}
	return pts
}

// Shades is the number of color steps a heatmap uses (CSS classes
// heat-0 … heat-5; heat-none for a cell without calls).
const Shades = 6

// Shade maps a rate 0…1 to one of Shades steps relative to the largest rate
// shown (so a campaign with low connect rates still shows its best hours);
// ok false means the cell has no calls and gets no shade.
func Shade(rate, maxRate float64, ok bool) (int, bool) {
	if !ok || math.IsNaN(rate) {
		return 0, false
	}
	if !(maxRate > 0) || rate <= 0 {
		return 0, true
	}
	s := int(math.Ceil(rate / maxRate * float64(Shades-1)))
	return min(max(s, 0), Shades-1), true
}

// Cell is one cell of a grid (heatmap) in SVG coordinates.
type Cell struct {
	Row, Col   int
	X, Y, W, H float64
}

// Grid lays out rows × cols cells of size cw × ch from (x0, y0) with pad
// units between cells, row by row.
func Grid(rows, cols int, x0, y0, cw, ch, pad float64) []Cell {
	cells := make([]Cell, 0, rows*cols)
	for r := range rows {
		for c := range cols {
			cells = append(cells, Cell{Row: r, Col: c,
				X: x0 + float64(c)*cw + pad/2, Y: y0 + float64(r)*ch + pad/2,
				W: math.Max(cw-pad, 0), H: math.Max(ch-pad, 0)})
		}
	}
	return cells
}

var colorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Color returns a platform-given color when it is exactly #rgb or #rrggbb
// (lower-cased), and ok false for anything else: the color goes into an
// SVG fill attribute, and a value like `red;x:url(//evil)` must never
// reach the page.
func Color(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !colorRe.MatchString(s) {
		return "", false
	}
	return strings.ToLower(s), true
}

// Rate is num/den, NaN when den is zero (shown as "—", not as 0 %).
func Rate(num, den int64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return float64(num) / float64(den)
}

// F formats an SVG coordinate with at most one decimal (shorter markup,
// the same picture).
func F(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Points is a polyline's points attribute.
func Points(pts []Point) string {
	var sb strings.Builder
	for i, p := range pts {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(F(p.X))
		sb.WriteByte(',')
		sb.WriteString(F(p.Y))
	}
	return sb.String()
}
