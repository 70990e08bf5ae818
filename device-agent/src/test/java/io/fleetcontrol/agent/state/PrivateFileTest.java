package io.fleetcontrol.agent.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFileTest {
  @TempDir Path dir;

  @Test
  void replacesTheWholeFileAndLeavesNoTemporaryOne() throws Exception {
    Path file = dir.resolve("state/credential");

    PrivateFile.write(file, "first\n".getBytes(StandardCharsets.US_ASCII));
    PrivateFile.write(file, "second\n".getBytes(StandardCharsets.US_ASCII));

    assertEquals("second\n", Files.readString(file));
    assertFalse(Files.exists(dir.resolve("state/credential.tmp")));
  }

  @Test
  void onlyThisUserMayReadIt() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path file = dir.resolve("state/cache");

    PrivateFile.write(file, new byte[] {1, 2, 3});

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
  }
}
