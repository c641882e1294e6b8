package qa

import "slices"

// Matrix is a confusion matrix of the robot's level (rows) against the
// human level (columns) over the same labels.
type Matrix struct {
	Labels []string
	Counts [][]int // Counts[robot][human]
	N      int
}

// NewMatrix counts pairs of (robot, human) levels. Labels are every level
// seen on either side, in the order of order first and then sorted.
func NewMatrix(pairs [][2]string, order []string) Matrix {
	var labels []string
	for _, l := range order {
		if !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	var extra []string
	for _, p := range pairs {
		for _, l := range p {
			if !slices.Contains(labels, l) && !slices.Contains(extra, l) {
				extra = append(extra, l)
			}
		}
	}
	slices.Sort(extra)
	labels = append(labels, extra...)
	m := Matrix{Labels: labels, Counts: make([][]int, len(labels))}
	for i := range m.Counts {
		m.Counts[i] = make([]int, len(labels))
	}
	for _, p := range pairs {
		m.Counts[slices.Index(labels, p[0])][slices.Index(labels, p[1])]++
		m.N++
	}
	return m
}

// Agreement is the share of pairs where both sides said the same level
// (0 when there are none).
func (m Matrix) Agreement() float64 {
	if m.N == 0 {
		return 0
	}
	d := 0
	for i := range m.Labels {
		d += m.Counts[i][i]
	}
	return float64(d) / float64(m.N)
}

// Kappa is Cohen's kappa: the agreement beyond what the two sides' own
// level shares would give by chance, (po − pe) / (1 − pe). ok is false when
// it is undefined: no pairs, or both sides always saying one same level
// (pe = 1).
func (m Matrix) Kappa() (k float64, ok bool) {
	if m.N == 0 {
		return 0, false
	}
	n := float64(m.N)
	pe := 0.0
	for i := range m.Labels {
		row, col := 0, 0
		for j := range m.Labels {
			row += m.Counts[i][j]
			col += m.Counts[j][i]
		}
		pe += float64(row) / n * float64(col) / n
	}
	if pe >= 1 {
		return 0, false
	}
	return (m.Agreement() - pe) / (1 - pe), true
}
