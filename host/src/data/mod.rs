//! The data of Project 1 on the host: the MNIST files ([`mnist`]) and the digit pairs drawn
//! from them as the course's `generate_pair_sets` draws them ([`pairs`]). (Project 2's
//! points are drawn by the `projects` crate, on the host as on the device.)

pub mod mnist;
pub mod pairs;

use projects::p1::PAIRS;
use std::path::Path;

/// Loads MNIST from `dir` (default: [`mnist::default_dir`]) and checks that each split has
/// enough images for the pairs; the error names the file.
pub fn load_for_pairs(dir: Option<&Path>) -> Result<mnist::Mnist, String> {
    let dir = dir.map_or_else(mnist::default_dir, Path::to_path_buf);
    let data = mnist::load(&dir).map_err(|e| e.to_string())?;
    for (split, name) in [
        (&data.train, mnist::TRAIN_IMAGES),
        (&data.test, mnist::TEST_IMAGES),
    ] {
        if split.len() < 2 * PAIRS {
            return Err(format!(
                "{}: {} images, but {PAIRS} pairs need {}",
                dir.join(name).display(),
                split.len(),
                2 * PAIRS
            ));
        }
    }
    Ok(data)
}
