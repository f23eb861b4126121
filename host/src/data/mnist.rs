//! Loading the MNIST files: file I/O and gzip here, IDX parsing in the core.

use minidl::io::idx::{Idx, IdxError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Side of an MNIST image.
pub const SIDE: usize = 28;
/// Pixels of an MNIST image.
pub const PIXELS: usize = SIDE * SIDE;

/// One split of MNIST: `count` images of 28x28 bytes and their labels 0..9.
#[derive(Clone, Debug)]
pub struct Split {
    /// Row-major pixels, `PIXELS` per image.
    pub images: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split has no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8; PIXELS] {
        self.images[i * PIXELS..(i + 1) * PIXELS]
            .try_into()
            .expect("image size")
    }
}

/// The training (60,000) and test (10,000) splits.
#[derive(Clone, Debug)]
pub struct Mnist {
    /// The training split.
    pub train: Split,
    /// The test split.
    pub test: Split,
}

/// Why the data could not be loaded; the message names the file.
#[derive(Debug)]
pub struct DataError(pub String);

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn error(path: &Path, what: impl std::fmt::Display) -> DataError {
    DataError(format!("{}: {what}", path.display()))
}

/// The directory to use when `--data` is not given: `data/` in the current directory, or
/// the repository's `data/` (known at build time) when run from elsewhere in the tree.
pub fn default_dir() -> PathBuf {
    let local = PathBuf::from("data");
    if local.join(TRAIN_IMAGES).exists() {
        return local;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("data");
    if repo.join(TRAIN_IMAGES).exists() {
        repo
    } else {
        local
    }
}

/// File names in the data directory.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
/// See [`TRAIN_IMAGES`].
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
/// See [`TRAIN_IMAGES`].
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
/// See [`TRAIN_IMAGES`].
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";

/// Reads and decompresses one gzip file.
fn read_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => error(path, "file not found"),
        _ => error(path, format!("cannot open: {e}")),
    })?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(file))
        .read_to_end(&mut bytes)
        .map_err(|e| error(path, format!("not a valid gzip file: {e}")))?;
    Ok(bytes)
}

fn idx_error(path: &Path, e: IdxError) -> DataError {
    error(path, e)
}

/// Loads one split from its image and label files, checking shapes, counts and labels.
pub fn load_split(images_path: &Path, labels_path: &Path) -> Result<Split, DataError> {
    let image_bytes = read_gz(images_path)?;
    let images = Idx::parse_rank(&image_bytes, 3).map_err(|e| idx_error(images_path, e))?;
    if images.dims()[1..] != [SIDE, SIDE] {
        let (rows, cols) = (images.dims()[1], images.dims()[2]);
        return Err(error(
            images_path,
            format!("images are {rows}x{cols}, expected {SIDE}x{SIDE}"),
        ));
    }
    let label_bytes = read_gz(labels_path)?;
    let labels = Idx::parse_rank(&label_bytes, 1).map_err(|e| idx_error(labels_path, e))?;
    let (n_images, n_labels) = (images.dims()[0], labels.dims()[0]);
    if n_images != n_labels {
        return Err(error(
            labels_path,
            format!(
                "{n_labels} labels for {n_images} images in {}",
                images_path.display()
            ),
        ));
    }
    if let Some(k) = labels.data.iter().position(|&l| l > 9) {
        return Err(error(
            labels_path,
            format!("label {} at index {k} is not a digit 0-9", labels.data[k]),
        ));
    }
    Ok(Split {
        images: images.data.to_vec(),
        labels: labels.data.to_vec(),
    })
}

/// Loads both splits from `dir`.
pub fn load(dir: &Path) -> Result<Mnist, DataError> {
    if !dir.is_dir() {
        return Err(DataError(format!(
            "{}: data directory not found (use --data DIR)",
            dir.display()
        )));
    }
    Ok(Mnist {
        train: load_split(&dir.join(TRAIN_IMAGES), &dir.join(TRAIN_LABELS))?,
        test: load_split(&dir.join(TEST_IMAGES), &dir.join(TEST_LABELS))?,
    })
}
