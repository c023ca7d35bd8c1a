//! Flows for platforms whose graphs cannot loop (Klaviyo, HubSpot): the IR
//! graph with its `goto`s resolved and its loops unrolled.
//!
//! An *instance* is an IR node at a loop depth: the number of back edges
//! taken to reach it. A back edge is an edge to a node on the depth-first
//! search stack from the entry, so every cycle has one; following it starts
//! a new copy of the loop. When the depth would reach the limit, the path
//! ends instead: a lead goes around the campaign's loops at most `limit - 1`
//! times in all. Instances are created in breadth-first order from the entry,
//! so names and order are deterministic. `goto` and `exit` have no instance:
//! an edge to a `goto` leads to its target, an edge to an `exit` ends.

use crate::ir::{Flow, NodeId, NodeKind, Target};
use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeSet, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Instance(usize),
    End,
}

#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub(crate) node: NodeId,
    pub(crate) depth: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Unrolled {
    pub(crate) instances: Vec<Instance>,
    pub(crate) entry: Next,
    index: HashMap<(NodeId, u32), usize>,
    back_edges: BTreeSet<(NodeId, NodeId)>,
    limit: u32,
}

/// Edges `(from, to)` that close a cycle, found by an iterative depth-first
/// search from the entry in successor order.
fn back_edges(flow: &Flow) -> BTreeSet<(NodeId, NodeId)> {
    let mut back = BTreeSet::new();
    let Target::Node(entry) = flow.entry else {
        return back;
    };
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; flow.nodes.len()];
    let successors = |i: NodeId| -> Vec<NodeId> {
        flow.node(i)
            .map(|n| n.kind.successors())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| match t {
                Target::Node(j) if flow.node(j).is_some() => Some(j),
                _ => None,
            })
            .collect()
    };
    if flow.node(entry).is_none() {
        return back;
    }
    let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> = vec![(entry, successors(entry), 0)];
    state[entry.index()] = 1;
    while let Some((node, succ, pos)) = stack.last_mut() {
        if let Some(&next) = succ.get(*pos) {
            *pos += 1;
            let from = *node;
            match state[next.index()] {
                0 => {
                    state[next.index()] = 1;
                    let s = successors(next);
                    stack.push((next, s, 0));
                }
                1 => {
                    back.insert((from, next));
                }
                _ => {}
            }
        } else {
            state[node.index()] = 2;
            stack.pop();
        }
    }
    back
}

impl Unrolled {
    pub(crate) fn new(flow: &Flow, limit: u32) -> Unrolled {
        let mut u = Unrolled {
            instances: Vec::new(),
            entry: Next::End,
            index: HashMap::new(),
            back_edges: back_edges(flow),
            limit: limit.max(1),
        };
        let mut queue = VecDeque::new();
        u.entry = u.visit(flow, None, flow.entry, 0, &mut queue);
        while let Some(i) = queue.pop_front() {
            let (node, depth) = match u.instances.get(i) {
                Some(inst) => (inst.node, inst.depth),
                None => continue,
            };
            let successors = flow
                .node(node)
                .map(|n| n.kind.successors())
                .unwrap_or_default();
            for target in successors {
                u.visit(flow, Some(node), target, depth, &mut queue);
            }
        }
        u
    }

    /// The instance an edge leads to, created if new.
    fn visit(
        &mut self,
        flow: &Flow,
        from: Option<NodeId>,
        target: Target,
        depth: u32,
        queue: &mut VecDeque<usize>,
    ) -> Next {
        match self.resolve(flow, from, target, depth) {
            None => Next::End,
            Some((node, depth)) => {
                if let Some(&i) = self.index.get(&(node, depth)) {
                    return Next::Instance(i);
                }
                let i = self.instances.len();
                self.instances.push(Instance { node, depth });
                self.index.insert((node, depth), i);
                queue.push_back(i);
                Next::Instance(i)
            }
        }
    }

    /// Follows an edge through `goto`s to the node that does something, or
    /// `None` when the path ends there.
    fn resolve(
        &self,
        flow: &Flow,
        mut from: Option<NodeId>,
        mut target: Target,
        mut depth: u32,
    ) -> Option<(NodeId, u32)> {
        for _ in 0..=flow.nodes.len() {
            let Target::Node(i) = target else {
                return None;
            };
            let node = flow.node(i)?;
            if from.is_some_and(|f| self.back_edges.contains(&(f, i))) {
                depth += 1;
                if depth >= self.limit {
                    return None;
                }
            }
            match &node.kind {
                NodeKind::Goto {
                    target: Some(j), ..
                } => {
                    from = Some(i);
                    target = Target::Node(*j);
                }
                NodeKind::Goto { target: None, .. } | NodeKind::Exit { .. } => return None,
                _ => return Some((i, depth)),
            }
        }
        None
    }

    /// Where an edge of instance `from` to `target` leads.
    pub(crate) fn next(&self, flow: &Flow, from: usize, target: Target) -> Next {
        let Some(inst) = self.instances.get(from) else {
            return Next::End;
        };
        match self.resolve(flow, Some(inst.node), target, inst.depth) {
            Some(key) => self
                .index
                .get(&key)
                .map_or(Next::End, |&i| Next::Instance(i)),
            None => Next::End,
        }
    }
}
