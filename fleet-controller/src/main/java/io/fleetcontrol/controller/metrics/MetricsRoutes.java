package io.fleetcontrol.controller.metrics;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /metrics} on the management port (next to /ready and /alive), named in
 * {@code pekko.management.http.routes}; pekko-management makes it with the actor system.
 */
public final class MetricsRoutes extends AllDirectives implements ManagementRouteProvider {

  private final FleetMetrics metrics;

  public MetricsRoutes(ExtendedActorSystem system) {
    this.metrics = FleetMetrics.get(Adapter.toTyped(system));
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    // Prometheus' text format; a scraper takes plain text without a version as that.
    return path("metrics", () -> get(() -> complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape()))));
  }
}
