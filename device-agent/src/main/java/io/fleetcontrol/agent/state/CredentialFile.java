package io.fleetcontrol.agent.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The device credential between runs, readable by this user only. Without it every start would
 * enroll again, rotating the credential and journaling a re-enrollment each time the laptop boots.
 */
public final class CredentialFile {

  private final Path file;

  public CredentialFile(Path file) {
    this.file = file;
  }

  /** The stored credential if it was issued to this device id; empty otherwise. */
  public Optional<String> read(String deviceId) {
    try {
      var lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
      return lines.size() == 2 && lines.get(0).equals(deviceId) && !lines.get(1).isBlank()
          ? Optional.of(lines.get(1))
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Two lines: the device id it was issued to, then the credential. */
  public void write(String deviceId, String credential) throws IOException {
    PrivateFile.write(file, (deviceId + "\n" + credential + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  public void delete() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A stale credential is refused by the controller and replaced at the next enrollment.
    }
  }
}
