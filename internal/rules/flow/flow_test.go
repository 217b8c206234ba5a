package flow

import "testing"

func TestMaxFlow(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		edges [][3]int64
		want  int64
	}{
		{"single edge", 2, [][3]int64{{0, 1, 5}}, 5},
		{"bottleneck", 3, [][3]int64{{0, 1, 5}, {1, 2, 3}}, 3},
		{"no path", 3, [][3]int64{{0, 1, 5}}, 0},
		{"negative capacity is zero", 2, [][3]int64{{0, 1, -4}}, 0},
		// Needs the reverse edge: a greedy path 0-1-3 blocks 0-2-... without it.
		{"reroute through residual", 4, [][3]int64{{0, 1, 1}, {0, 2, 1}, {1, 2, 1}, {1, 3, 1}, {2, 3, 1}}, 2},
		{"bipartite", 6, [][3]int64{{0, 1, 2}, {0, 2, 2}, {1, 3, 2}, {1, 4, 2}, {2, 3, 2}, {3, 5, 2}, {4, 5, 1}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New(tt.n, len(tt.edges))
			ids := make([]int, len(tt.edges))
			for i, e := range tt.edges {
				ids[i] = g.AddEdge(int(e[0]), int(e[1]), e[2])
			}
			if got := g.MaxFlow(0, tt.n-1); got != tt.want {
				t.Fatalf("MaxFlow = %d, want %d", got, tt.want)
			}
			// Conservation at inner nodes and capacity on every edge.
			net := make([]int64, tt.n)
			for i, e := range tt.edges {
				f := g.Flow(ids[i])
				if f < 0 || f > max(e[2], 0) {
					t.Fatalf("edge %v carries %d", e, f)
				}
				net[e[0]] -= f
				net[e[1]] += f
			}
			for v := 1; v < tt.n-1; v++ {
				if net[v] != 0 {
					t.Fatalf("node %d not conserved: %d", v, net[v])
				}
			}
		})
	}
}

// A second MaxFlow after adding an edge keeps the first flow and adds to it.
func TestMaxFlowContinues(t *testing.T) {
	g := New(3, 2)
	a := g.AddEdge(0, 1, 4)
	g.AddEdge(1, 2, 1)
	if got := g.MaxFlow(0, 2); got != 1 {
		t.Fatalf("first = %d", got)
	}
	g.AddEdge(1, 2, 5)
	if got := g.MaxFlow(0, 2); got != 3 || g.Flow(a) != 4 {
		t.Fatalf("second = %d, edge flow %d", got, g.Flow(a))
	}
}

// Ends names the nodes an edge joins, whatever was added after it.
func TestEnds(t *testing.T) {
	g := New(4, 3)
	a := g.AddEdge(0, 2, 1)
	b := g.AddEdge(2, 3, 1)
	g.AddEdge(0, 3, 1)
	for _, tt := range []struct{ id, from, to int }{{a, 0, 2}, {b, 2, 3}} {
		if from, to := g.Ends(tt.id); from != tt.from || to != tt.to {
			t.Errorf("Ends(%d) = %d, %d; want %d, %d", tt.id, from, to, tt.from, tt.to)
		}
	}
}
