//! The service's cache bounds in its configuration file: the memory the tenants' cache database
//! keeps (`cache_memory_bytes`) and each tenant's stored bytes (`cache_max_bytes`), their
//! defaults, and a zero named as the mistake.

use std::path::Path;

use selfheal::cache::DEFAULT_PAGE_CACHE_BYTES;
use selfheal::serve::config::{ConfigError, ServeConfig};
use selfheal::tenant::{HostConfig, DEFAULT_TENANT_CACHE_BYTES};

const HASH: &str = "blake3:0000000000000000000000000000000000000000000000000000000000000001";

fn parse(text: &str) -> Result<ServeConfig, ConfigError> {
    ServeConfig::parse(text, Path::new("serve.toml"), Path::new("/data"))
}

#[test]
fn cache_bounds_default_to_the_librarys() {
    let c = parse(&format!("[[tenants]]\nid = \"a\"\nkeys = [\"{HASH}\"]\n")).unwrap();
    assert_eq!(c.cache_memory_bytes, DEFAULT_PAGE_CACHE_BYTES);
    assert_eq!(c.cache_memory_bytes, 64 << 20);
    assert_eq!(
        HostConfig::default().cache_memory_bytes,
        DEFAULT_PAGE_CACHE_BYTES
    );
    assert_eq!(c.tenants[0].cache_max_bytes, DEFAULT_TENANT_CACHE_BYTES);
    assert_eq!(
        c.tenants[0].spec().unwrap().cache_max_bytes,
        DEFAULT_TENANT_CACHE_BYTES
    );
}

#[test]
fn cache_bounds_are_read_and_reach_the_tenant() {
    let c = parse(&format!(
        "cache_memory_bytes = 4194304\n\
         [[tenants]]\nid = \"a\"\nkeys = [\"{HASH}\"]\ncache_max_bytes = 1048576\n\
         [[tenants]]\nid = \"b\"\n"
    ))
    .unwrap();
    assert_eq!(c.cache_memory_bytes, 4 << 20);
    assert_eq!(c.tenants[0].cache_max_bytes, 1 << 20);
    assert_eq!(c.tenants[0].spec().unwrap().cache_max_bytes, 1 << 20);
    assert_eq!(c.tenants[1].cache_max_bytes, DEFAULT_TENANT_CACHE_BYTES);
    // A changed bound sets the tenant up again on reload.
    assert!(!c.tenants[0].same_tenant(&c.tenants[1]));
}

#[test]
fn a_zero_bound_is_refused_naming_the_field() {
    let e = parse("cache_memory_bytes = 0\n[[tenants]]\nid = \"a\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("cache_memory_bytes = 0"), "{e}");
    assert!(e.contains("serve.toml"), "{e}");
    let e = parse("[[tenants]]\nid = \"a\"\ncache_max_bytes = 0\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("tenant \"a\": cache_max_bytes = 0"), "{e}");
}
