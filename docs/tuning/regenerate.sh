#!/usr/bin/env bash
# Regenerates every table in docs/tuning/: each architecture's learning rate (and
# auxiliary weight) measured on validation pairs from the MNIST training split, never the
# test split. Each grid extends past the value the recipe uses on both sides. About five
# minutes on 2 cores.
#
#     bash docs/tuning/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p host --example tune --quiet
tune=target/release/examples/tune
$tune mlp lr 0.0005,0.001,0.002,0.004
$tune convnet lr 0.0005,0.001,0.002,0.004
$tune siamese lr 0.002,0.004,0.008,0.016
$tune aux lr 0.002,0.004,0.008,0.016
$tune aux aux-weight 1,3,10
$tune siamese-aux lr 0.002,0.004,0.008,0.016
$tune siamese-aux aux-weight 1,3,10
$tune tiny lr 0.004,0.008,0.016,0.032 4 50
$tune tiny aux-weight 1,3,10 4 50
$tune best lr 0.002,0.004,0.008,0.016
