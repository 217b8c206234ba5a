// Package flow computes integer maximum flows (Dinic's algorithm). It knows
// nothing about CMP: the rules engine builds the network and reads the flows.
package flow

// Graph is a directed flow network with int64 capacities. Nodes are 0..n-1.
type Graph struct {
	head  []int // first edge of each node, -1 when none
	next  []int
	to    []int
	cap   []int64 // residual capacity
	level []int
	iter  []int
	queue []int
}

// New returns an empty network of n nodes with room for about edges edges.
func New(n, edges int) *Graph {
	g := &Graph{head: make([]int, n), level: make([]int, n), iter: make([]int, n), queue: make([]int, 0, n),
		next: make([]int, 0, 2*edges), to: make([]int, 0, 2*edges), cap: make([]int64, 0, 2*edges)}
	for i := range g.head {
		g.head[i] = -1
	}
	return g
}

// AddEdge adds from -> to with the given capacity (negative counts as 0) and
// returns the edge's id, for Flow.
func (g *Graph) AddEdge(from, to int, capacity int64) int {
	capacity = max(capacity, 0)
	id := len(g.to)
	g.to = append(g.to, to, from)
	g.cap = append(g.cap, capacity, 0)
	g.next = append(g.next, g.head[from], g.head[to])
	g.head[from] = id
	g.head[to] = id + 1
	return id
}

// Flow is the flow MaxFlow routed over edge id.
func (g *Graph) Flow(id int) int64 { return g.cap[id^1] }

// MaxFlow pushes as much as possible from s to t and returns the amount added.
// Called again after AddEdge, it continues from the flow already routed.
func (g *Graph) MaxFlow(s, t int) int64 {
	var total int64
	for g.bfs(s, t) {
		copy(g.iter, g.head)
		for {
			f := g.dfs(s, t, 1<<62)
			if f == 0 {
				break
			}
			total += f
		}
	}
	return total
}

func (g *Graph) bfs(s, t int) bool {
	for i := range g.level {
		g.level[i] = -1
	}
	g.level[s] = 0
	q := append(g.queue[:0], s)
	for i := 0; i < len(q); i++ {
		v := q[i]
		for e := g.head[v]; e >= 0; e = g.next[e] {
			if w := g.to[e]; g.cap[e] > 0 && g.level[w] < 0 {
				g.level[w] = g.level[v] + 1
				q = append(q, w)
			}
		}
	}
	g.queue = q
	return g.level[t] >= 0
}

// dfs finds one augmenting path in the level graph; recursion depth is bounded
// by the number of levels, which is small for the networks we build.
func (g *Graph) dfs(v, t int, limit int64) int64 {
	if v == t {
		return limit
	}
	for ; g.iter[v] >= 0; g.iter[v] = g.next[g.iter[v]] {
		e := g.iter[v]
		w := g.to[e]
		if g.cap[e] <= 0 || g.level[w] != g.level[v]+1 {
			continue
		}
		if f := g.dfs(w, t, min(limit, g.cap[e])); f > 0 {
			g.cap[e] -= f
			g.cap[e^1] += f
			return f
		}
	}
	return 0
}
