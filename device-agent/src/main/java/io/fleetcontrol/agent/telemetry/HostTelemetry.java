package io.fleetcontrol.agent.telemetry;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Telemetry from this laptop: battery from sysfs, metered network from config or NetworkManager,
 * the bytes the capture tool reported through the gate, and the agent's own CPU and memory.
 */
public final class HostTelemetry implements TelemetrySource {

  private final PowerSupply power;
  private final ProcessStats process;
  private final UploadMeter uploads;
  private final BooleanSupplier metered;

  HostTelemetry(PowerSupply power, ProcessStats process, UploadMeter uploads, BooleanSupplier metered) {
    this.power = power;
    this.process = process;
    this.uploads = uploads;
    this.metered = metered;
  }

  /** From {@code fleet.agent.telemetry}: {@code power-supply-dir}, {@code metered-network} (auto, true, false). */
  public static HostTelemetry fromConfig(Config agentConfig, UploadMeter uploads) {
    Config telemetry = agentConfig.getConfig("telemetry");
    String meteredSetting = telemetry.getString("metered-network").trim().toLowerCase(Locale.ROOT);
    BooleanSupplier metered = switch (meteredSetting) {
      case "true", "yes", "on" -> () -> true;
      case "false", "no", "off" -> () -> false;
      case "auto" -> new MeteredNetwork()::isMetered;
      default -> throw new IllegalArgumentException(
          "fleet.agent.telemetry.metered-network: \"" + meteredSetting + "\" is not auto, true or false");
    };
    return new HostTelemetry(new PowerSupply(Path.of(telemetry.getString("power-supply-dir"))),
        ProcessStats.ofThisProcess(), uploads, metered);
  }

  @Override
  public TelemetrySample read(Instant now, long appliedPolicyVersion) {
    PowerSupply.Reading battery = power.read();
    return new TelemetrySample(battery.known(), battery.percent(), battery.charging(), metered.getAsBoolean(),
        uploads.drain(), process.cpuPercentSinceLast(), process.residentBytes());
  }
}
