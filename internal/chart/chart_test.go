package chart

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewScale(t *testing.T) {
	for _, tc := range []struct {
		max   float64
		n     int
		top   float64
		ticks []float64
	}{
		{0, 4, 1, []float64{0, 0.5, 1}},
		{-3, 4, 1, []float64{0, 0.5, 1}},
		{1, 4, 1, []float64{0, 0.5, 1}},
		{7, 4, 8, []float64{0, 2, 4, 6, 8}},
		{10, 4, 10, []float64{0, 5, 10}},
		{95, 4, 100, []float64{0, 50, 100}},
		{101, 4, 150, []float64{0, 50, 100, 150}},
		{1234, 4, 1500, []float64{0, 500, 1000, 1500}},
		{0.37, 4, 0.4, []float64{0, 0.1, 0.2, 0.3, 0.4}},
		{3, 1, 5, []float64{0, 5}},
	} {
		sc := NewScale(tc.max, 100, tc.n)
		if sc.Max != tc.top {
			t.Errorf("NewScale(%v, %d).Max = %v, want %v", tc.max, tc.n, sc.Max, tc.top)
		}
		if d := cmp.Diff(tc.ticks, sc.Ticks); d != "" {
			t.Errorf("NewScale(%v, %d).Ticks (-want +got):\n%s", tc.max, tc.n, d)
		}
	}
}

func TestNewCountScale(t *testing.T) {
	for _, tc := range []struct {
		max   float64
		top   float64
		ticks []float64
	}{
		{0, 1, []float64{0, 1}},
		{1, 1, []float64{0, 1}},
		{2, 2, []float64{0, 1, 2}},
		{3, 3, []float64{0, 1, 2, 3}},
		{7, 8, []float64{0, 2, 4, 6, 8}},
		{1234, 1500, []float64{0, 500, 1000, 1500}},
	} {
		sc := NewCountScale(tc.max, 100, 4)
		if sc.Max != tc.top {
			t.Errorf("NewCountScale(%v).Max = %v, want %v", tc.max, sc.Max, tc.top)
		}
		if d := cmp.Diff(tc.ticks, sc.Ticks); d != "" {
			t.Errorf("NewCountScale(%v).Ticks (-want +got):\n%s", tc.max, d)
		}
	}
}

func TestScaleAt(t *testing.T) {
	sc := NewScale(80, 200, 4) // top 80
	for _, tc := range []struct{ v, want float64 }{
		{0, 0}, {-5, 0}, {math.NaN(), 0}, {20, 50}, {80, 200}, {1000, 200},
	} {
		if got := sc.At(tc.v); got != tc.want {
			t.Errorf("At(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestColumns(t *testing.T) {
	sc := NewScale(10, 100, 2) // 0…10 over 100 units
	got := Columns([]float64{10, 5, 0}, sc, 40, 10, 300, 0.2)
	want := []Bar{
		{X: 50, Y: 10, W: 80, H: 100},
		{X: 150, Y: 60, W: 80, H: 50},
		{X: 250, Y: 110, W: 80, H: 0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Columns (-want +got):\n%s", d)
	}
	if got := Columns(nil, sc, 0, 0, 100, 0.2); len(got) != 0 {
		t.Errorf("Columns(nil) = %v", got)
	}
}

func TestRows(t *testing.T) {
	sc := NewScale(4, 200, 2) // 0…4 over 200
	got := Rows([]float64{4, 1}, sc, 100, 0, 20, 0.5)
	want := []Bar{{X: 100, Y: 5, W: 200, H: 10}, {X: 100, Y: 25, W: 50, H: 10}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Rows (-want +got):\n%s", d)
	}
}

func TestLine(t *testing.T) {
	sc := NewScale(1, 100, 2)
	got := Line([]float64{0.5, math.NaN(), 1}, sc, 0, 0, 300)
	want := []Point{{50, 50}, {250, 0}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Line (-want +got):\n%s", d)
	}
	if s := Points(got); s != "50,50 250,0" {
		t.Errorf("Points = %q", s)
	}
}

func TestShade(t *testing.T) {
	for _, tc := range []struct {
		rate, max float64
		has       bool
		want      int
		ok        bool
	}{
		{0.5, 0.5, true, 5, true},
		{0.25, 0.5, true, 3, true},
		{0.01, 0.5, true, 1, true},
		{0, 0.5, true, 0, true},
		{0, 0, true, 0, true},
		{0.3, 0.5, false, 0, false},
		{math.NaN(), 0.5, true, 0, false},
		{0.9, 0.5, true, 5, true},
	} {
		got, ok := Shade(tc.rate, tc.max, tc.has)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Shade(%v, %v, %v) = %d, %v; want %d, %v", tc.rate, tc.max, tc.has, got, ok, tc.want, tc.ok)
		}
	}
}

func TestGrid(t *testing.T) {
	got := Grid(2, 2, 10, 20, 10, 8, 2)
	want := []Cell{
		{0, 0, 11, 21, 8, 6}, {0, 1, 21, 21, 8, 6},
		{1, 0, 11, 29, 8, 6}, {1, 1, 21, 29, 8, 6},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Grid (-want +got):\n%s", d)
	}
}

func TestColor(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"#fff", "#fff", true},
		{"#1A2b3C", "#1a2b3c", true},
		{" #abcdef ", "#abcdef", true},
		{"red", "", false},
		{"red;x:url(//evil)", "", false},
		{"#fff;x:url(//evil)", "", false},
		{"#ffff", "", false},
		{"#gggggg", "", false},
		{"#fff\n", "#fff", true},
		{"#fff\" onload=\"x", "", false},
		{"", "", false},
	} {
		got, ok := Color(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Color(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRateAndF(t *testing.T) {
	if r := Rate(1, 0); !math.IsNaN(r) {
		t.Errorf("Rate(1, 0) = %v, want NaN", r)
	}
	if r := Rate(1, 4); r != 0.25 {
		t.Errorf("Rate(1, 4) = %v", r)
	}
	for in, want := range map[float64]string{0: "0", 1.25: "1.3", -0.04: "0", 12.0: "12", -3.5: "-3.5", math.NaN(): "0"} {
		if got := F(in); got != want {
			t.Errorf("F(%v) = %q, want %q", in, got, want)
		}
	}
}
