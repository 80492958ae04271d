use super::*;

fn store() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let files = FileStore::local(dir.path()).unwrap();
    (dir, files)
}

async fn put(files: &FileStore, bytes: &[u8], chunk: usize) -> Upload {
    let mut up = files.upload(1 << 30).await.unwrap();
    for part in bytes.chunks(chunk.max(1)) {
        up.write(Bytes::copy_from_slice(part)).await.unwrap();
    }
    up
}

/// Every regular file under `dir`, relative.
fn kept(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

async fn read_all(files: &FileStore, hash: &ContentHash, range: Option<Range<u64>>) -> Vec<u8> {
    let mut got = files.get(hash, range).await.unwrap();
    let mut out = Vec::new();
    while let Some(chunk) = got.stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

#[tokio::test]
async fn a_file_is_kept_once_under_its_hash_and_read_back_whole_or_in_part() {
    let (dir, files) = store();
    // Bigger than a part, sent in uneven chunks.
    let bytes: Vec<u8> = (0..(9u32 << 20) + 17)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let first = put(&files, &bytes, 65_537)
        .await
        .finish(None, Some("a.bin"))
        .await
        .unwrap();
    assert!(first.new);
    assert_eq!(first.size, bytes.len() as u64);
    assert_eq!(first.hash.as_str(), hex::encode(Sha256::digest(&bytes)));
    let again = put(&files, &bytes, 1 << 20)
        .await
        .finish(Some(&first.hash), None)
        .await
        .unwrap();
    assert!(!again.new, "the same bytes are kept once");
    assert_eq!(again.hash, first.hash);
    assert_eq!(kept(dir.path()).len(), 1, "{:?}", kept(dir.path()));
    assert!(files.contains(&first.hash).await.unwrap());
    assert_eq!(read_all(&files, &first.hash, None).await, bytes);
    assert_eq!(
        read_all(&files, &first.hash, Some(10..20)).await,
        &bytes[10..20]
    );
    let tail = files
        .get(&first.hash, Some(bytes.len() as u64 - 5..u64::MAX))
        .await
        .unwrap();
    assert_eq!(tail.range, bytes.len() as u64 - 5..bytes.len() as u64);
    assert_eq!(tail.size, bytes.len() as u64);
}

use sha2::{Digest, Sha256};

#[tokio::test]
async fn bytes_that_do_not_match_the_hash_given_are_not_kept() {
    let (dir, files) = store();
    let wrong: ContentHash = "00".repeat(32).parse().unwrap();
    let err = put(&files, b"%PDF-1.7 hello", 3)
        .await
        .finish(Some(&wrong), None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(kept(dir.path()).is_empty(), "{:?}", kept(dir.path()));
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_leaves_nothing() {
    let (dir, files) = store();
    let mut up = files.upload(10).await.unwrap();
    up.write(Bytes::from_static(b"12345")).await.unwrap();
    let err = up.write(Bytes::from_static(b"678901")).await.unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { limit: 10 }), "{err}");
    up.abort().await;
    assert!(kept(dir.path()).is_empty(), "{:?}", kept(dir.path()));
}

#[tokio::test]
async fn missing_bytes_and_bad_hashes_are_the_callers_to_hear_about() {
    let (_dir, files) = store();
    let absent: ContentHash = "AB".repeat(32).parse().unwrap();
    assert_eq!(absent.as_str(), "ab".repeat(32));
    assert!(matches!(
        files.get(&absent, None).await.unwrap_err(),
        StoreError::NotFound(_)
    ));
    assert!("abc".parse::<ContentHash>().is_err());
    assert!("g".repeat(64).parse::<ContentHash>().is_err());
}

#[test]
fn the_media_type_comes_from_the_bytes_then_the_name() {
    assert_eq!(
        upload::media_type(b"%PDF-1.7\n", Some("x.dwg")),
        "application/pdf"
    );
    assert_eq!(
        upload::media_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", None),
        "image/png"
    );
    assert_eq!(
        upload::media_type(b"  0\nSECTION\n", Some("site.DXF")),
        "image/vnd.dxf"
    );
    assert_eq!(
        upload::media_type("点号,X,Y".as_bytes(), None),
        "text/plain"
    );
    assert_eq!(
        upload::media_type(&[0xff, 0x00, 0x13], None),
        "application/octet-stream"
    );
}
