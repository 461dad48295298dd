//! Deterministic addressing: every network gets an explicit subnet carved from one pool, and
//! the members of each service network get static addresses, so nothing depends on Docker's
//! default pools (which run out at about 30 networks) or on who starts first.

use crate::ir::ServiceId;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// An IPv4 block svc allocates from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    base: u32,
    prefix: u8,
}

impl Pool {
    pub fn parse(cidr: &str) -> Result<Pool, String> {
        let (address, prefix) = cidr
            .split_once('/')
            .ok_or_else(|| format!("`{cidr}` is not a CIDR block"))?;
        let address: Ipv4Addr = address
            .parse()
            .map_err(|_| format!("`{address}` is not an IPv4 address"))?;
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| format!("`{prefix}` is not a prefix length"))?;
        if !(8..=24).contains(&prefix) {
            return Err(format!("a pool of /{prefix} is not allowed: use /8 to /24"));
        }
        let base = u32::from(address);
        if base & !mask(prefix) != 0 {
            let network = Ipv4Addr::from(base & mask(prefix));
            return Err(format!(
                "`{cidr}` has host bits set; the block starts at {network}/{prefix}"
            ));
        }
        Ok(Pool { base, prefix })
    }

    pub fn contains(self, address: Ipv4Addr) -> bool {
        u32::from(address) & mask(self.prefix) == self.base
    }

    fn size(self) -> u64 {
        1u64 << (32 - self.prefix)
    }
}

impl std::fmt::Display for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

/// A service's network: the service and the gateway, nobody else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNet {
    pub subnet: String,
    pub service: String,
    pub gateway: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub services: BTreeMap<ServiceId, ServiceNet>,
    /// The gateway's own non-internal network, through which its port is published.
    pub public_subnet: String,
    pub public_gateway: String,
    /// Outbound internet for services; containers on it cannot talk to each other.
    pub egress_subnet: String,
}

/// Each service network is a /28 (Docker's bridge takes .1, the service .2, the gateway .3);
/// then a /28 for the public network; then one block for egress, large enough for everyone.
const SERVICE_BLOCK: u32 = 16;

/// Where the egress block starts and how large it is, for this many service networks: the
/// layout takes `start + size` addresses.
fn egress_block(count: u32) -> (u64, u32) {
    let egress_size = (count + 3).next_power_of_two().max(SERVICE_BLOCK);
    let used = u64::from(SERVICE_BLOCK) * u64::from(count + 1);
    let egress_start = used.div_ceil(u64::from(egress_size)) * u64::from(egress_size);
    (egress_start, egress_size)
}

/// The space default pools are picked from, and the smallest block picked: a /22 holds about
/// 60 services, so adding a service rarely moves a project's addresses.
const DEFAULT_SPACE: (u32, u8) = (0x0a80_0000, 10);
const SMALLEST_DEFAULT_PREFIX: u8 = 22;

/// The pool of a project that names none: the smallest block its layout fits in (a /22 at
/// least), at a place in 10.128.0.0/10 picked from the project name. There are 4,096 such /22s,
/// so two different projects on one host rarely collide, and when they do (or a copy of the
/// same stack runs under another project name) Docker refuses the second's networks at `up`:
/// addresses are never shared.
pub fn default_pool(name: &str, networks: usize) -> Pool {
    let (start, size) = egress_block(networks as u32);
    let needed = (start + u64::from(size)).next_power_of_two();
    let prefix = (32 - needed.trailing_zeros() as u8).min(SMALLEST_DEFAULT_PREFIX);
    let (space, space_prefix) = DEFAULT_SPACE;
    if prefix < space_prefix {
        // Hundreds of thousands of networks: no room to pick; allocate says what is missing.
        return Pool {
            base: space,
            prefix: space_prefix,
        };
    }
    let hash = crate::emit::stable_hash(name);
    let slots = 1u64 << (prefix - space_prefix);
    let block = 1u64 << (32 - prefix);
    Pool {
        base: space + ((hash % slots) * block) as u32,
        prefix,
    }
}

pub fn allocate(pool: Pool, services: &[ServiceId]) -> Result<Layout, String> {
    let count = services.len() as u32;
    let (egress_start, egress_size) = egress_block(count);
    if egress_start + u64::from(egress_size) > pool.size() {
        return Err(format!(
            "{} services need {} addresses, more than the /{} subnet pool holds",
            count,
            egress_start + u64::from(egress_size),
            pool.prefix
        ));
    }
    let at = |offset: u32| Ipv4Addr::from(pool.base + offset).to_string();
    let block = |index: u32| pool.base + index * SERVICE_BLOCK;
    let services = services
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let start = block(i as u32) - pool.base;
            let net = ServiceNet {
                subnet: format!("{}/28", at(start)),
                service: at(start + 2),
                gateway: at(start + 3),
            };
            (id.clone(), net)
        })
        .collect();
    let public = block(count) - pool.base;
    let egress_prefix = 32 - egress_size.trailing_zeros();
    Ok(Layout {
        services,
        public_subnet: format!("{}/28", at(public)),
        public_gateway: at(public + 2),
        egress_subnet: format!("{}/{egress_prefix}", at(egress_start as u32)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<ServiceId> {
        names.iter().map(|n| ServiceId(n.to_string())).collect()
    }

    #[test]
    fn blocks_are_carved_in_order_from_the_pool() {
        let layout =
            allocate(Pool::parse("10.213.0.0/16").unwrap(), &ids(&["api", "web"])).unwrap();
        let api = &layout.services[&ServiceId("api".into())];
        assert_eq!(
            (
                api.subnet.as_str(),
                api.service.as_str(),
                api.gateway.as_str()
            ),
            ("10.213.0.0/28", "10.213.0.2", "10.213.0.3")
        );
        let web = &layout.services[&ServiceId("web".into())];
        assert_eq!(web.subnet, "10.213.0.16/28");
        assert_eq!(layout.public_subnet, "10.213.0.32/28");
        assert_eq!(layout.public_gateway, "10.213.0.34");
        assert_eq!(layout.egress_subnet, "10.213.0.48/28");
    }

    #[test]
    fn egress_grows_with_the_project_and_stays_aligned() {
        let names: Vec<String> = (0..60).map(|i| format!("s{i}")).collect();
        let services: Vec<ServiceId> = names.iter().map(|n| ServiceId(n.clone())).collect();
        let layout = allocate(Pool::parse("10.213.0.0/16").unwrap(), &services).unwrap();
        assert_eq!(layout.public_subnet, "10.213.3.192/28");
        assert_eq!(layout.egress_subnet, "10.213.4.0/26");
    }

    #[test]
    fn a_pool_too_small_or_misaligned_is_refused() {
        let names: Vec<ServiceId> = (0..20).map(|i| ServiceId(format!("s{i}"))).collect();
        assert!(allocate(Pool::parse("10.0.0.0/24").unwrap(), &names).is_err());
        assert!(Pool::parse("10.0.0.1/24").is_err());
        assert!(Pool::parse("10.0.0.0/28").is_err());
    }

    #[test]
    fn default_pools_are_small_blocks_in_10_128_picked_by_name() {
        let space = Pool::parse("10.128.0.0/10").unwrap();
        let shop = default_pool("shop", 3);
        assert_eq!(shop.prefix, 22);
        assert!(space.contains(Ipv4Addr::from(shop.base)));
        assert_eq!(
            shop,
            default_pool("shop", 3),
            "the same name picks the same block"
        );
        assert_eq!(
            shop,
            default_pool("shop", 50),
            "adding services keeps the block"
        );
        let names: Vec<String> = (0..200).map(|i| format!("project-{i}")).collect();
        let blocks: std::collections::BTreeSet<u32> =
            names.iter().map(|n| default_pool(n, 3).base).collect();
        assert!(
            blocks.len() > 190,
            "200 names share {} blocks",
            200 - blocks.len()
        );
        let ids: Vec<ServiceId> = (0..500).map(|i| ServiceId(format!("s{i}"))).collect();
        let large = default_pool("shop", ids.len());
        assert!(large.prefix < 22 && space.contains(Ipv4Addr::from(large.base)));
        assert!(allocate(large, &ids).is_ok(), "{large} holds 500 services");
    }
}
