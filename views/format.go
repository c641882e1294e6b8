package views

import (
	"context"
	"fmt"
	"time"
)

// WithZone returns ctx carrying the zone in which times are shown.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, zoneKey, loc)
}

// ZoneOf returns the display zone carried by ctx (Asia/Shanghai, UTC+8, if none).
func ZoneOf(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(zoneKey).(*time.Location); ok && loc != nil {
		return loc
	}
	return shanghai
}

var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// TimeLayout is how every time is shown: 2026-03-06 23:04.
const TimeLayout = "2006-01-02 15:04"

// When formats t as 2026-03-06 23:04 in the display zone; a zero time is "—".
func When(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(ZoneOf(ctx)).Format(TimeLayout)
}

// Duration formats d as 1分05秒 / 1m05s (hours when needed: 1小时02分05秒 /
// 1h02m05s), rounded to the second.
func Duration(ctx context.Context, d time.Duration) string {
	return FormatDuration(LangOf(ctx), d)
}

// FormatDuration is Duration for a given language.
func FormatDuration(lang Lang, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	sec := int64(d.Round(time.Second) / time.Second)
	h, m, s := sec/3600, sec%3600/60, sec%60
	switch {
	case h > 0:
		return fmt.Sprintf(Msg(lang, "duration.hms"), h, m, s)
	case m > 0:
		return fmt.Sprintf(Msg(lang, "duration.ms"), m, s)
	}
	return fmt.Sprintf(Msg(lang, "duration.s"), s)
}

// Percent formats num/den as "12.5%"; "—" when den is 0.
func Percent(num, den int) string {
	if den <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(num)*100/float64(den))
}

// Ratio returns num/den in [0, 100] for a progress bar's width or value.
func Ratio(num, den int) int {
	if den <= 0 || num <= 0 {
		return 0
	}
	if num >= den {
		return 100
	}
	return num * 100 / den
}
