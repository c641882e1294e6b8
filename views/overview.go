package views

import (
	"net/url"
	"strconv"
)

// OverviewVM is the overview page (GET /overview): the filters, what needs
// attention, the KPI cards and the charts, for one range and task set. The
// handlers compute every figure and every chart's geometry; the templates
// only lay them out.
type OverviewVM struct {
	Filter    OverviewFilterVM
	Error     string // the filter could not be read: what to fix (the default view is shown)
	Freshness string // "data as of …" (always shown)
	Stale     string // the platform could not be asked: the page draws from the store alone
	Attention []AttentionVM
	KPIs      []KPIVM
	Empty     string // no calls in the range (charts are not drawn)
	Charts    []ChartVM
	ExportURL string // every chart's table as one .xlsx
	Leads     *LeadsVM
}

// LeadsVM is the leads export's form: the view's range and tasks (hidden),
// and the levels and tags one may choose instead of the intent levels.
type LeadsVM struct {
	From, To string
	Tasks    []string
	Levels   []string
	Tags     []string
}

// OverviewFilterVM is the range and the task picker.
type OverviewFilterVM struct {
	From, To string // YYYY-MM-DD, as typed
	Presets  []PresetVM
	Tasks    []TaskPickVM
	Picked   int // number of tasks picked (0: all)
	RangeTxt string
}

// PresetVM is a range shortcut (今天、昨天…).
type PresetVM struct {
	Key, Label, URL string
	Current         bool
}

// TaskPickVM is one task of the picker.
type TaskPickVM struct {
	ID, Name string
	Picked   bool
}

// AttentionVM is one line of 今日提醒: what is wrong and the task it concerns.
type AttentionVM struct {
	Kind    string // stalled, nonumbers, outside, caller, drop
	Text    string
	TaskURL string
	Action  string // e.g. 上传号码, linked to ActionURL
	ActURL  string
}

// KPIVM is one KPI card. Key is the data-kpi attribute and Exact its
// data-value (the exact integer); Value is what the card shows.
type KPIVM struct {
	Key        string
	Label      string
	Value      string
	Exact      int64
	Sub        string // the rate or the unit line
	Change     string // "▲ 12.5%" / "▼ 3.0%" / "" when there is nothing to compare
	ChangeUp   bool
	Definition string // the tooltip
}

// ChartVM is one chart: a title, an SVG of marks the handler placed, and
// the same numbers as a table (the accessible alternative, behind the
// 表格 toggle).
type ChartVM struct {
	Name  string // data-chart
	Title string
	Label string // aria-label of the SVG: what it shows in a sentence
	Note  string // why the chart is not drawn (needs surface B, no data), instead of the SVG
	Wide  bool   // spans both columns
	W, H  string // viewBox size
	Grid  []SVGLine
	Marks []SVGMark
	Texts []SVGText
	Lines []SVGPolyline
	Table TableVM
}

// SVGMark is a rectangle with its tooltip; Fill is a checked #rgb/#rrggbb
// color or "" (the class colors it).
type SVGMark struct {
	X, Y, W, H string
	Class      string
	Fill       string
	Title      string
}

// SVGText is a label.
type SVGText struct {
	X, Y   string
	Anchor string // start, middle, end
	Class  string
	Text   string
}

// SVGLine is a grid line.
type SVGLine struct{ X1, Y1, X2, Y2 string }

// SVGPolyline is a line through points, with a point per value and its tooltip.
type SVGPolyline struct {
	Points string
	Class  string
	Dots   []SVGDot
}

// SVGDot is a point of a line with its tooltip.
type SVGDot struct{ X, Y, Title string }

// TableVM is a chart's numbers: a head row and rows of cells (the first cell
// names the row, the others are figures).
type TableVM struct {
	Head []string
	Rows [][]string
}

func changeClass(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

func presetClass(current bool) string {
	if current {
		return "current"
	}
	return "btn-secondary"
}

func currentAttr(current bool) string {
	if current {
		return "true"
	}
	return "false"
}

func wideClass(wide bool) string {
	if wide {
		return "wide"
	}
	return ""
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// OverviewURL is the overview of one task (today; the page's presets widen it).
func OverviewURL(taskID string) string { return "/overview?task=" + url.QueryEscape(taskID) }
