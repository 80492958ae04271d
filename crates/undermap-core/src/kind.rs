use crate::text_enum;

text_enum! {
    /// What a feature is. Shared by all layers; each layer's ingest mapping decides which it uses.
    pub enum FeatureKind ("kind") {
        /// A pressure or gravity pipe (water, gas, drainage, heat).
        Pipe => "pipe",
        /// A directly buried cable (power, telecom).
        Cable => "cable",
        /// A duct bank or cable trench holding cables.
        Duct => "duct",
        /// A valve (operable or not is an attribute).
        Valve => "valve",
        /// A manhole, inspection chamber or well (检修井, 检查井).
        Manhole => "manhole",
        /// A fire hydrant (消防栓).
        Hydrant => "hydrant",
        /// A meter.
        Meter => "meter",
        /// A pumping, treatment, gate or other station.
        Station => "station",
        /// A transformer (变压器) or substation equipment.
        Transformer => "transformer",
        /// A switch or ring-main unit in a power network.
        Switch => "switch",
        /// A gas pressure regulator (调压器/调压箱).
        Regulator => "regulator",
        /// A storm-water inlet or gully (雨水口).
        Inlet => "inlet",
        /// An outfall (排放口).
        Outfall => "outfall",
        /// A service connection to a plot or building.
        ServiceConnection => "service_connection",
        /// A planning red line (道路红线/用地红线).
        RedLine => "red_line",
        /// A planning or land-use zone.
        Zone => "zone",
        /// A street centreline (道路中心线): the network emergency crews drive along.
        Road => "road",
        /// A recorded past incident (flood, landslide, burst, outage…): where and what happened.
        Incident => "incident",
        /// An emergency resource (depot, repair team, pump, generator, shelter…).
        Resource => "resource",
        /// An area where an owner requires precautions while digging (owner present, hand
        /// digging, no machines): IMKL's *voorzorgsmaatregel*.
        PrecautionZone => "precaution_zone",
    }
}

impl FeatureKind {
    /// Whether this kind is a line network element (as opposed to a facility at a point).
    #[must_use]
    pub fn is_linear(self) -> bool {
        matches!(
            self,
            Self::Pipe | Self::Cable | Self::Duct | Self::ServiceConnection | Self::Road
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_text() {
        for kind in FeatureKind::ALL {
            assert_eq!(kind.as_str().parse::<FeatureKind>().unwrap(), *kind);
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(serde_json::from_str::<FeatureKind>(&json).unwrap(), *kind);
        }
    }

    #[test]
    fn unknown_kind_lists_the_allowed_ones() {
        let err = "tunnel".parse::<FeatureKind>().unwrap_err().to_string();
        assert!(
            err.contains("\"tunnel\" is not one of: pipe, cable"),
            "{err}"
        );
    }
}
