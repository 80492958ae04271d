//! Where the file store keeps its bytes when it is not a local folder: an object store named by a
//! URL. `s3://bucket[/prefix]` is any S3-compatible store (AWS S3, MinIO, Ceph's RADOS Gateway,
//! Alibaba OSS, Huawei OBS); its credentials, region and endpoint come from the usual `AWS_*`
//! environment variables and from the deployment's options (object_store's configuration keys,
//! e.g. `aws_endpoint`, `aws_allow_http`, `aws_region`). `file:///dir` is a local folder.

use std::collections::BTreeMap;
use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt};

use super::{failed, FileStore};
use crate::{Result, StoreError};

fn invalid(url: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("file store {url:?}: {why}"))
}

impl FileStore {
    /// The file store a URL names (see the module's documentation), with `options` for the
    /// object store. Unknown schemes and options are refused, naming them.
    pub fn from_url(url: &str, options: &BTreeMap<String, String>) -> Result<Self> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid(url, "a URL such as s3://bucket/prefix or file:///dir"))?;
        match scheme {
            "file" => {
                if !options.is_empty() {
                    return Err(invalid(url, "a local folder takes no options"));
                }
                Self::local(std::path::Path::new(rest))
            }
            "s3" | "s3a" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(invalid(url, "no bucket is named"));
                }
                if bucket.contains('@') || bucket.contains(':') {
                    // Credentials in the URL would be logged with it.
                    return Err(StoreError::Invalid(
                        "file store: the URL names only the bucket and prefix (s3://bucket/prefix); \
                         give credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                            .into(),
                    ));
                }
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                for (key, value) in options {
                    let key: AmazonS3ConfigKey = key.parse().map_err(|_| {
                        invalid(url, format!("{key:?} is not an S3 option (e.g. aws_endpoint, aws_region, aws_allow_http)"))
                    })?;
                    builder = builder.with_config(key, value);
                }
                let s3 = builder.build().map_err(|e| invalid(url, e))?;
                let prefix = prefix.trim_matches('/');
                let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix))
                };
                Ok(Self {
                    objects,
                    // The URL without credentials (they never appear in it).
                    describe: url.to_owned(),
                    inside: None,
                    local: false,
                    sealing: None,
                })
            }
            other => Err(invalid(
                url,
                format!("unknown scheme {other:?} (s3:// or file://)"),
            )),
        }
    }

    /// Asks the store for a file it cannot hold, so that a wrong endpoint, bucket or credential
    /// is found when the server starts, not at the first upload.
    pub async fn check(&self) -> Result<()> {
        match self
            .objects
            .head(&object_store::path::Path::from("sha256/reachable"))
            .await
        {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("reaching the store")(e)),
        }
    }
}
