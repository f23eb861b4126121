//! Every tensor of a network by the name and layout PyTorch gives it: the `state_dict()`
//! keys of a twin built in PyTorch layer for layer (`python/models.py`), and the
//! permutation from the core's layout to PyTorch's. This is what lets a network move to
//! and from PyTorch (the host's safetensors files) without a table per architecture.
//!
//! ## Names
//!
//! A network is described as an `nn.Sequential`: a [`Seq`](struct@crate::Seq) chain is flat, its
//! layers numbered `0, 1, 2, ...` in order, parameterless ones (ReLU, pooling, reshapes)
//! included, exactly as `nn.Sequential` numbers its children. A layer that holds a whole
//! network names it and numbers that network's layers anew: [`Siamese`](crate::Siamese)
//! holds `net`, [`Twin`](crate::Twin) `first` and `second`,
//! [`Residual`](crate::Residual) `branch`. A tensor's name ends with its role: `weight` and
//! `bias` (for batch norm the scale and shift, PyTorch's names), `running_mean`,
//! `running_var`. So in `Seq<Siamese<DigitNet>, Head>` the first convolution's weight is
//! `0.net.0.weight` and the head's first linear layer (after a reshape at 1) `2.weight`.
//!
//! ## Layouts
//!
//! The core keeps its tensors in the order its kernels read them: a convolution's weight
//! as `[ky][kx][in][out]`, a linear layer's as `[in][out]`. PyTorch's are `[out][in][ky][kx]`
//! and `[out][in]`. A [`Shape`] holds the core's dimensions and, for each of PyTorch's
//! axes, the core axis it is; [`Shape::core_index`] maps a position in PyTorch's row-major
//! order to the core's. (Images are channels-last in the core and channels-first in
//! PyTorch; that is the twin's business: it permutes before flattening, so linear layers
//! after a flatten need no permutation.)
//!
//! Describing allocates nothing: the path is a fixed-size stack of [`MAX_DEPTH`] parts.

use core::fmt;

/// The deepest nesting a name can have (a layer index or a field name per part). A
/// network nested deeper panics when described; every network here uses at most 5.
pub const MAX_DEPTH: usize = 12;

/// One part of a tensor's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// A layer's position in its chain.
    Index(usize),
    /// The name of a network held by a layer (`net`, `first`, `second`, `branch`).
    Field(&'static str),
}

/// Where the describing walk is: the parts of the name so far and, per chain being walked,
/// the index its next layer takes.
#[derive(Clone, Debug)]
pub struct Path {
    parts: [Part; MAX_DEPTH],
    len: usize,
    next: [usize; MAX_DEPTH],
    chain: usize,
}

impl Default for Path {
    fn default() -> Self {
        Self::new()
    }
}

impl Path {
    /// The root: an empty name, the first layer numbered 0.
    pub const fn new() -> Self {
        Self {
            parts: [Part::Index(0); MAX_DEPTH],
            len: 0,
            next: [0; MAX_DEPTH],
            chain: 0,
        }
    }

    /// The parts of the name so far.
    pub fn parts(&self) -> &[Part] {
        &self.parts[..self.len]
    }

    /// A layer of the current chain: it takes the next index, and `inside` describes its
    /// tensors (or the networks it holds) under that index.
    pub fn layer(&mut self, inside: impl FnOnce(&mut Self)) {
        let index = self.next[self.chain];
        self.next[self.chain] += 1;
        self.push(Part::Index(index));
        inside(self);
        self.len -= 1;
    }

    /// A network held by the current layer under `name`, its layers numbered from 0.
    pub fn field(&mut self, name: &'static str, inside: impl FnOnce(&mut Self)) {
        self.push(Part::Field(name));
        self.chain += 1;
        self.next[self.chain] = 0;
        inside(self);
        self.chain -= 1;
        self.len -= 1;
    }

    fn push(&mut self, part: Part) {
        assert!(self.len < MAX_DEPTH, "network nested deeper than MAX_DEPTH");
        self.parts[self.len] = part;
        self.len += 1;
    }
}

/// The parts joined by dots, as in a `state_dict()` key (without the role).
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts().iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match part {
                Part::Index(n) => write!(f, "{n}")?,
                Part::Field(name) => f.write_str(name)?,
            }
        }
        Ok(())
    }
}

/// Whether a tensor is trained (visited by `visit_params`) or state kept for inference
/// (visited by `visit_buffers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A trainable parameter.
    Parameter,
    /// A buffer (batch norm's running statistics).
    Buffer,
}

/// The largest rank of a tensor (a convolution's weight).
pub const MAX_RANK: usize = 4;

/// A tensor's dimensions in the core's order, and the permutation to PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    core: [usize; MAX_RANK],
    /// PyTorch's axis `j` is the core's axis `torch_axes[j]`.
    torch_axes: [usize; MAX_RANK],
    rank: usize,
}

impl Shape {
    /// A vector of `n` (biases, batch norm's tensors): the same in both.
    pub const fn vector(n: usize) -> Self {
        Self {
            core: [n, 0, 0, 0],
            torch_axes: [0, 0, 0, 0],
            rank: 1,
        }
    }

    /// A linear layer's weight: `[inputs][outputs]` in the core, `[out][in]` in PyTorch.
    pub const fn linear(inputs: usize, outputs: usize) -> Self {
        Self {
            core: [inputs, outputs, 0, 0],
            torch_axes: [1, 0, 0, 0],
            rank: 2,
        }
    }

    /// A `k x k` convolution's weight: `[ky][kx][in][out]` in the core,
    /// `[out][in][ky][kx]` in PyTorch.
    pub const fn conv(k: usize, inputs: usize, outputs: usize) -> Self {
        Self {
            core: [k, k, inputs, outputs],
            torch_axes: [3, 2, 0, 1],
            rank: 4,
        }
    }

    /// The dimensions in the core's order, outermost first.
    pub fn core_dims(&self) -> &[usize] {
        &self.core[..self.rank]
    }

    /// The dimensions in PyTorch's order (the first [`rank`](Self::rank) are meaningful).
    pub fn torch_dims(&self) -> [usize; MAX_RANK] {
        let mut dims = [0; MAX_RANK];
        for (d, &axis) in dims.iter_mut().zip(&self.torch_axes).take(self.rank) {
            *d = self.core[axis];
        }
        dims
    }

    /// Number of axes.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.core_dims().iter().product()
    }

    /// Whether the tensor has no scalars.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position in the core's flat tensor of the scalar at position `torch_flat` of
    /// PyTorch's row-major layout.
    pub fn core_index(&self, torch_flat: usize) -> usize {
        let torch = self.torch_dims();
        // PyTorch's multi-index, last axis fastest.
        let mut at = [0; MAX_RANK];
        let mut rest = torch_flat;
        for j in (0..self.rank).rev() {
            at[self.torch_axes[j]] = rest % torch[j];
            rest /= torch[j];
        }
        self.core_dims()
            .iter()
            .zip(&at)
            .fold(0, |flat, (&dim, &i)| flat * dim + i)
    }
}

/// One tensor as [`Module::describe`](crate::Module::describe) reports it, under the
/// [`Path`] of its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// The last part of its name: `weight`, `bias`, `running_mean`, `running_var`.
    pub role: &'static str,
    /// Parameter or buffer.
    pub kind: Kind,
    /// Its dimensions and layout.
    pub shape: Shape,
}

impl TensorSpec {
    /// A trainable tensor.
    pub const fn parameter(role: &'static str, shape: Shape) -> Self {
        Self {
            role,
            kind: Kind::Parameter,
            shape,
        }
    }

    /// A buffer.
    pub const fn buffer(role: &'static str, shape: Shape) -> Self {
        Self {
            role,
            kind: Kind::Buffer,
            shape,
        }
    }
}

/// What [`Module::describe`](crate::Module::describe) calls for every tensor.
pub type DescribeFn<'a> = dyn FnMut(&Path, &TensorSpec) + 'a;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conv_weight_maps_pytorch_positions_to_the_core_layout() {
        // Core [ky][kx][in][out] with k = 2, 3 inputs, 4 outputs.
        let shape = Shape::conv(2, 3, 4);
        assert_eq!(shape.torch_dims(), [4, 3, 2, 2]);
        assert_eq!(shape.len(), 48);
        let core_flat = |ky: usize, kx: usize, i: usize, o: usize| ((ky * 2 + kx) * 3 + i) * 4 + o;
        let mut seen = [false; 48];
        for o in 0..4 {
            for i in 0..3 {
                for ky in 0..2 {
                    for kx in 0..2 {
                        let torch_flat = ((o * 3 + i) * 2 + ky) * 2 + kx;
                        let core = shape.core_index(torch_flat);
                        assert_eq!(core, core_flat(ky, kx, i, o));
                        seen[core] = true;
                    }
                }
            }
        }
        assert!(seen.iter().all(|&s| s), "a permutation");
    }

    #[test]
    fn a_linear_weight_is_transposed_and_a_vector_is_not() {
        let shape = Shape::linear(3, 2);
        assert_eq!(&shape.torch_dims()[..2], &[2, 3]);
        // PyTorch [o][i] at (1, 2) is core [i][o] at (2, 1).
        assert_eq!(shape.core_index(3 + 2), 2 * 2 + 1);
        let vector = Shape::vector(5);
        assert!((0..5).all(|i| vector.core_index(i) == i));
    }

    #[test]
    fn paths_number_chains_and_restart_inside_fields() {
        let mut path = Path::new();
        let mut names = std::vec::Vec::new();
        path.layer(|p| names.push(p.to_string()));
        path.layer(|p| {
            p.field("net", |p| {
                p.layer(|_| {});
                p.layer(|p| names.push(p.to_string()));
            })
        });
        path.layer(|p| names.push(p.to_string()));
        assert_eq!(names, ["0", "1.net.1", "2"]);
    }
}
