use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use undermap_core::{AreaLimits, RiskPolicy};
use undermap_crs::Crs;
use undermap_service::{Service, ServiceConfig};

use crate::Settings;

/// The service rules from the settings.
pub fn service_config(settings: &Settings) -> Result<ServiceConfig, undermap_crs::CrsError> {
    let mut config = ServiceConfig::new(Crs::parse(&settings.deployment_crs)?);
    config.limits = AreaLimits {
        max_area_m2: settings.max_area_m2,
        max_vertices: settings.max_vertices,
    };
    config.default_buffer_m = settings.default_buffer_m;
    config.max_buffer_m = settings.max_buffer_m;
    config.policy = RiskPolicy {
        safety_margin_m: settings.safety_margin_m,
    };
    config.unknown_accuracy_m = settings.unknown_accuracy_m;
    Ok(config)
}

/// A bound, not yet running, HTTP server. Binding happens in [`Application::build`] so that the
/// real port is known before `run` (tests bind port 0).
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `settings.listen` and prepares the server over `service`.
    pub fn build(settings: &Settings, service: Service) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(service);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(undermap_api::data_as_of))
                .wrap(undermap_api::method_not_allowed())
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .app_data(actix_web::web::Data::new(crate::DEPARTMENTS))
                .configure(undermap_api::configure)
        })
        .listen(listener)?
        .run();
        tracing::info!(port, "listening");
        Ok(Self { port, server })
    }

    /// The port actually bound.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
