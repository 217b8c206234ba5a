// Package flow computes integer maximum flows (Dinic's algorithm). It knows
// nothing about CMP: the rules engine builds the network and reads the flows.
package flow

// Graph is a directed flow network with int64 capacities. Nodes are 0..n-1.
type Graph struct {
	nodes []node
	edges []edge // edge id^1 is the reverse of id
	queue []int32
}

// Nodes and edges use int32 indexes: networks never come near 2^31 edges,
// and the smaller records halve the memory the solver allocates and walks.
type node struct {
	head  int32 // first edge, -1 when none
	level int32 // BFS distance from the source, -1 when unreached
	iter  int32 // next edge the DFS tries
}

type edge struct {
	to   int32
	next int32 // next edge of the same node, -1 when last
	cap  int64 // residual capacity
}

// New returns an empty network of n nodes with room for about edges edges.
func New(n, edges int) *Graph {
	g := &Graph{nodes: make([]node, n), edges: make([]edge, 0, 2*edges), queue: make([]int32, 0, n)}
	for i := range g.nodes {
		g.nodes[i].head = -1
	}
	return g
}

// AddEdge adds from -> to with the given capacity (negative counts as 0) and
// returns the edge's id, for Flow.
func (g *Graph) AddEdge(from, to int, capacity int64) int {
	id := int32(len(g.edges))
	g.edges = append(g.edges,
		edge{to: int32(to), next: g.nodes[from].head, cap: max(capacity, 0)},
		edge{to: int32(from), next: g.nodes[to].head})
	g.nodes[from].head = id
	g.nodes[to].head = id + 1
	return int(id)
}

// Ends returns the nodes edge id joins.
func (g *Graph) Ends(id int) (from, to int) { return int(g.edges[id^1].to), int(g.edges[id].to) }

// Flow is the flow MaxFlow routed over edge id.
func (g *Graph) Flow(id int) int64 { return g.edges[id^1].cap }

// MaxFlow pushes as much as possible from s to t and returns the amount added.
// Called again after AddEdge, it continues from the flow already routed.
func (g *Graph) MaxFlow(s, t int) int64 {
	var total int64
	for g.bfs(s, t) {
		for i := range g.nodes {
			g.nodes[i].iter = g.nodes[i].head
		}
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
	for i := range g.nodes {
		g.nodes[i].level = -1
	}
	g.nodes[s].level = 0
	q := append(g.queue[:0], int32(s))
	// Stop once t has its level: nodes found later lie no closer to the
	// source than t, so no shortest augmenting path passes through them.
	for i := 0; i < len(q) && g.nodes[t].level < 0; i++ {
		v := q[i]
		for e := g.nodes[v].head; e >= 0; e = g.edges[e].next {
			if w := g.edges[e].to; g.edges[e].cap > 0 && g.nodes[w].level < 0 {
				g.nodes[w].level = g.nodes[v].level + 1
				q = append(q, w)
			}
		}
	}
	g.queue = q
	return g.nodes[t].level >= 0
}

// dfs finds one augmenting path in the level graph; recursion depth is bounded
// by the number of levels, which is small for the networks we build.
func (g *Graph) dfs(v, t int, limit int64) int64 {
	if v == t {
		return limit
	}
	for n := &g.nodes[v]; n.iter >= 0; n.iter = g.edges[n.iter].next {
		e := &g.edges[n.iter]
		if e.cap <= 0 || g.nodes[e.to].level != n.level+1 {
			continue
		}
		if f := g.dfs(int(e.to), t, min(limit, e.cap)); f > 0 {
			e.cap -= f
			g.edges[n.iter^1].cap += f
			return f
		}
	}
	return 0
}
