//! The flow graph of one campaign, built with petgraph from [`ir::Flow`].
//!
//! Vertex `i` is the statement whose [`ir::NodeId`] has index `i`
//! ([`FlowGraph::vertex`] is the one conversion), so every vertex maps back
//! to its statement and span; two more vertices follow: [`Vertex::FallOff`]
//! (past the last statement: the path had no exit) and [`Vertex::Start`]
//! (the campaign's entry). Edges are the sequence, every branch arm and the
//! no-match fall-through, every split arm and every resolved `goto`.
//! `exit`, `handoff` and `enroll` are terminals: they have no outgoing edge.
//!
//! Goals and `suppress` are implicit exits from every step. They are not drawn
//! as edges (one from every vertex would only blur the analyses): a lead who
//! meets a goal leaves wherever it is, so they never make a path end
//! properly, and only [`FlowGraph::implicit_exits`] records that they exist.
//!
//! Every analysis here is linear or polynomial in the size of the graph:
//! nothing enumerates paths.

use crate::ir::{self, NodeId, NodeKind, Target};
use foldhash::{HashMap, HashMapExt};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::VecDeque;
use std::sync::Arc;

/// What a vertex stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vertex {
    /// A statement.
    Step(NodeId),
    /// Past the end of the flow.
    FallOff,
    /// Where a lead enters the campaign.
    Start,
}

/// Why control can go from one vertex to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// To the next statement.
    Next,
    /// Into the `when` arm with this index (or past the branch if it is empty).
    Arm(usize),
    /// A lead that matches no arm of a branch without `else`.
    NoMatch,
    /// Into the `else` arm.
    Else,
    /// Into the split arm with this index.
    Split(usize),
    /// A `goto`.
    Goto,
    /// From [`Vertex::Start`] to the first statement.
    Entry,
    /// From [`Vertex::Start`] into the handler with this index. A handler
    /// can run wherever the lead is, but drawing that edge from every
    /// statement would give every loop a way out; like goals, a handler
    /// never makes a path end properly, so it is entered from the start,
    /// and `cadence` adds the starts from every statement it needs.
    Handler(usize),
}

impl From<ir::EdgeKind> for Edge {
    fn from(kind: ir::EdgeKind) -> Edge {
        match kind {
            ir::EdgeKind::Next => Edge::Next,
            ir::EdgeKind::Arm(a) => Edge::Arm(a),
            ir::EdgeKind::NoMatch => Edge::NoMatch,
            ir::EdgeKind::Else => Edge::Else,
            ir::EdgeKind::Split(a) => Edge::Split(a),
            ir::EdgeKind::Goto => Edge::Goto,
        }
    }
}

/// The arm of a `branch` or `split` that owns a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    When(usize),
    Else,
    Split(usize),
}

pub struct FlowGraph<'c> {
    pub flow: &'c ir::Flow,
    shape: Arc<Shape>,
}

/// A flow graph without the flow it was drawn from: a function of the
/// campaign's IR alone, which the language server keeps between runs for
/// the campaigns an edit did not change ([`FlowGraph::with_shape`]).
pub struct Shape {
    pub graph: DiGraph<Vertex, Edge>,
    pub start: NodeIndex,
    pub fall_off: NodeIndex,
    /// The campaign has a goal or a `suppress` condition, which can end a
    /// lead's path at any step.
    pub implicit_exits: bool,
    /// Per vertex: a path from [`Vertex::Start`] reaches it.
    reachable: Vec<bool>,
    /// Per block of [`ir::Flow::blocks`]: the statement and arm that own it
    /// (`None` for the top level).
    block_owner: Vec<Option<(NodeId, Arm)>>,
    /// Per statement, by [`NodeId::index`]: the block it is written in, and
    /// its position there.
    block_of: Vec<(usize, usize)>,
}

impl Shape {
    /// Every vertex reachable from `roots` along edges in `direction`
    /// (a breadth-first search), as a membership table.
    pub fn search(
        &self,
        roots: impl IntoIterator<Item = NodeIndex>,
        direction: Direction,
    ) -> Vec<bool> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut queue: VecDeque<NodeIndex> = VecDeque::new();
        for r in roots {
            if let Some(s) = seen.get_mut(r.index()) {
                if !*s {
                    *s = true;
                    queue.push_back(r);
                }
            }
        }
        while let Some(v) = queue.pop_front() {
            for w in self.graph.neighbors_directed(v, direction) {
                if let Some(s) = seen.get_mut(w.index()) {
                    if !*s {
                        *s = true;
                        queue.push_back(w);
                    }
                }
            }
        }
        seen
    }
}

impl std::ops::Deref for FlowGraph<'_> {
    type Target = Shape;
    fn deref(&self) -> &Shape {
        &self.shape
    }
}

impl<'c> FlowGraph<'c> {
    pub fn new(campaign: &'c ir::Campaign) -> Self {
        let flow = &campaign.flow;
        let n = flow.nodes.len();
        let mut graph = DiGraph::with_capacity(n + 2, n + n / 2 + 2);
        for (id, _) in flow.nodes_with_ids() {
            graph.add_node(Vertex::Step(id));
        }
        let fall_off = graph.add_node(Vertex::FallOff);
        let start = graph.add_node(Vertex::Start);
        let vertex = |t: Target| match t {
            Target::Node(id) if id.index() < n => FlowGraph::vertex(id),
            // An index out of range would be a resolver bug; treat it as the end.
            Target::Node(_) | Target::FallOff => fall_off,
        };
        graph.add_edge(start, vertex(flow.entry), Edge::Entry);
        for (h, handler) in flow.handlers.iter().enumerate() {
            graph.add_edge(start, vertex(handler.entry), Edge::Handler(h));
        }
        for (id, node) in flow.nodes_with_ids() {
            let from = FlowGraph::vertex(id);
            for e in node.kind.edges() {
                graph.add_edge(from, vertex(e.to), Edge::from(e.kind));
            }
        }
        let mut block_owner = vec![None; flow.blocks.len()];
        for (id, node) in flow.nodes_with_ids() {
            for (block, arm) in arm_blocks(node) {
                if let Some(slot) = block_owner.get_mut(block) {
                    *slot = Some((id, arm));
                }
            }
        }
        let mut block_of = vec![(0, 0); n];
        for (b, block) in flow.blocks.iter().enumerate() {
            for (position, &id) in block.iter().enumerate() {
                if let Some(slot) = block_of.get_mut(id.index()) {
                    *slot = (b, position);
                }
            }
        }
        let mut shape = Shape {
            graph,
            start,
            fall_off,
            implicit_exits: !campaign.goals.is_empty() || campaign.suppress.is_some(),
            reachable: Vec::new(),
            block_owner,
            block_of,
        };
        shape.reachable = shape.search([start], Direction::Outgoing);
        FlowGraph {
            flow,
            shape: Arc::new(shape),
        }
    }

    /// The graph of `campaign` from the shape of an earlier graph of the
    /// same campaign IR (the caller checks that the IR is the same).
    pub fn with_shape(campaign: &'c ir::Campaign, shape: Arc<Shape>) -> Self {
        FlowGraph {
            flow: &campaign.flow,
            shape,
        }
    }

    /// What [`FlowGraph::with_shape`] takes.
    pub fn shape(&self) -> Arc<Shape> {
        Arc::clone(&self.shape)
    }

    /// The statement a vertex stands for, if it is one.
    pub fn step(&self, v: NodeIndex) -> Option<&'c ir::Node> {
        match self.graph.node_weight(v) {
            Some(Vertex::Step(id)) => self.flow.node(*id),
            _ => None,
        }
    }

    /// The statement's id of a vertex, if it stands for one.
    pub fn node_id(&self, v: NodeIndex) -> Option<NodeId> {
        match self.graph.node_weight(v) {
            Some(Vertex::Step(id)) => Some(*id),
            _ => None,
        }
    }

    /// The vertex of a statement: the one place a node id becomes a
    /// petgraph index (the statements are the graph's first vertices).
    pub fn vertex(id: NodeId) -> NodeIndex {
        NodeIndex::new(id.index())
    }

    pub fn is_reachable(&self, v: NodeIndex) -> bool {
        self.reachable.get(v.index()).copied().unwrap_or(false)
    }

    /// The reachable statements, in source order, with their vertices.
    pub fn reachable_steps(&self) -> impl Iterator<Item = (NodeIndex, &'c ir::Node)> + '_ {
        self.flow
            .nodes_with_ids()
            .map(|(id, node)| (FlowGraph::vertex(id), node))
            .filter(|(v, _)| self.is_reachable(*v))
    }

    /// A shortest path (fewest statements) from `from` to `to` through
    /// vertices that are `ok`, both ends included; `None` if there is none.
    pub fn path_within(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        ok: impl Fn(NodeIndex) -> bool,
    ) -> Option<Vec<NodeIndex>> {
        if !ok(from) || !ok(to) {
            return None;
        }
        // Parents by vertex, in a map: the cost stays with the vertices
        // visited, not with the size of the whole flow.
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(v) = queue.pop_front() {
            if v == to {
                let mut path = vec![to];
                let mut at = to;
                while at != from {
                    let Some(&p) = parent.get(&at) else { break };
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            for w in self.graph.neighbors(v) {
                if w != from && ok(w) && !parent.contains_key(&w) {
                    parent.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        None
    }

    /// The arm whose block statement `id` is written in, directly.
    pub fn owning_arm(&self, id: NodeId) -> Option<(NodeId, Arm)> {
        let (block, _) = self.block_of.get(id.index()).copied()?;
        self.block_owner.get(block).copied().flatten()
    }

    /// The statement before statement `id` in its block.
    pub fn previous_in_block(&self, id: NodeId) -> Option<NodeId> {
        let (block, position) = self.block_of.get(id.index()).copied()?;
        self.flow
            .blocks
            .get(block)?
            .get(position.checked_sub(1)?)
            .copied()
    }
}

/// The blocks nested directly in a statement, in source order.
pub fn child_blocks(node: &ir::Node) -> Vec<usize> {
    arm_blocks(node)
        .into_iter()
        .map(|(block, _)| block)
        .collect()
}

/// The blocks nested directly in a statement with the arm owning each, in
/// source order.
fn arm_blocks(node: &ir::Node) -> Vec<(usize, Arm)> {
    match &node.kind {
        NodeKind::Branch { arms, otherwise } => arms
            .iter()
            .enumerate()
            .map(|(a, arm)| (arm.block, Arm::When(a)))
            .chain(otherwise.else_arm.map(|(_, b)| (b, Arm::Else)))
            .collect(),
        NodeKind::Split { arms } => arms
            .iter()
            .enumerate()
            .map(|(a, arm)| (arm.block, Arm::Split(a)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The least time a lead spends in a statement: a plain `wait D` takes D;
/// `wait D or until C` can end at once, and nothing else waits.
pub fn min_delay(node: &ir::Node) -> u64 {
    match &node.kind {
        NodeKind::Wait {
            duration,
            until: None,
            ..
        } => duration.seconds,
        _ => 0,
    }
}

/// The strongly connected component of every vertex, by index (Kosaraju:
/// petgraph runs it iteratively, where its Tarjan recurses once per vertex).
pub fn components<N, E>(graph: &DiGraph<N, E>) -> Vec<usize> {
    let mut component = vec![usize::MAX; graph.node_count()];
    for (c, members) in kosaraju_scc(graph).into_iter().enumerate() {
        for v in members {
            if let Some(slot) = component.get_mut(v.index()) {
                *slot = c;
            }
        }
    }
    component
}

pub fn same_component(component: &[usize], a: NodeIndex, b: NodeIndex) -> bool {
    matches!((component.get(a.index()), component.get(b.index())), (Some(x), Some(y)) if x == y)
}
