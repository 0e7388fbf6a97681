package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrastream.cluster.ClusterConfig;
import io.contrastream.cluster.ClusterLayout;
import io.contrastream.cluster.FlinkRest;
import io.contrastream.cluster.SessionCluster;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session cluster whose REST API speaks mutual TLS ({@code security.ssl.rest.*}, a self-signed key pair made
 * with the JDK's keytool): the job's client ({@link FlinkRest}, Flink's {@code RestClusterClient}) reads the
 * same settings and uploads, runs, inspects and cancels a job over it; a plain HTTP client and a TLS client
 * without the client certificate are refused; the password sits in an owner-only config.yaml, never in an
 * argument or the logs. Runs in {@code mvn verify} (failsafe), after the job jar is packaged.
 */
class RestTlsIT {
    @TempDir
    Path dir;

    @Test
    void mutualTlsRestServesTheJobsClientAndRefusesOthers() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        Path keystore = dir.resolve("rest.p12");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "rest", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass:env", "KS_PASSWORD", "-keypass:env", "KS_PASSWORD")
                .inheritIO();
        pb.environment().put("KS_PASSWORD", password); // by environment, not argument
        assertThat(pb.start().waitFor()).as("keytool").isZero();

        Map<String, String> tls = new LinkedHashMap<>();
        tls.put("security.ssl.rest.enabled", "true");
        tls.put("security.ssl.rest.authentication-enabled", "true"); // mutual: clients need the key too
        tls.put("security.ssl.rest.keystore", keystore.toString());
        tls.put("security.ssl.rest.keystore-password", password);
        tls.put("security.ssl.rest.key-password", password);
        tls.put("security.ssl.rest.truststore", keystore.toString());
        tls.put("security.ssl.rest.truststore-password", password);
        int restPort = freePort();
        ClusterLayout layout = ClusterLayout.of(Path.of("target"), dir.resolve("cluster"));
        SessionCluster cluster = new SessionCluster(layout, new ClusterConfig(restPort, freePort(), 1, "1536m", true,
                "off", tls), 1);
        assertThat(cluster.rest().address()).isEqualTo("https://127.0.0.1:" + restPort);
        try {
            long t0 = System.nanoTime();
            cluster.start(1);
            JsonNode overview = cluster.rest().overview();
            assertThat(overview.path("taskmanagers").asInt()).isEqualTo(1);
            assertThat(cluster.rest().webSubmitEnabled()).isTrue();
            String job = cluster.rest().runJar(cluster.rest().uploadJar(layout.jobJar()), SubmitCommand.ENTRY_CLASS,
                    List.of("--bootstrap-servers", "127.0.0.1:1", "--checkpoint-dir",
                            dir.resolve("ckpt").toUri().toString(), "--model-store", dir.resolve("models").toUri().toString()),
                    null);
            assertThat(cluster.rest().jobs()).anySatisfy(j -> assertThat(j.getJobId().toHexString()).isEqualTo(job));
            assertThat(cluster.rest().jobState(job)).isIn("CREATED", "INITIALIZING", "RUNNING", "RESTARTING");
            cluster.rest().cancel(job);
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!cluster.rest().jobState(job).equals("CANCELED") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(cluster.rest().jobState(job)).isEqualTo("CANCELED");
            System.out.printf(Locale.ROOT, "rest-tls: cluster up in %.1f s; over mutual TLS: overview (1 taskmanager),"
                    + " jar upload + run + state + cancel of job %s%n", (System.nanoTime() - t0) / 1e9, job);

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String plainOutcome;
            try {
                HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort
                        + "/overview")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                plainOutcome = "HTTP " + r.statusCode() + " " + r.body();
            } catch (IOException e) {
                plainOutcome = "refused: " + e;
            }
            System.out.println("rest-tls: plain HTTP to the TLS port -> " + plainOutcome.lines().findFirst().orElse(""));
            assertThat(plainOutcome).as("plain HTTP to a TLS port").doesNotContain("taskmanagers")
                    .doesNotStartWith("HTTP 200");
            HttpClient noClientCert = HttpClient.newBuilder().sslContext(trusting(keystore, password))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> noClientCert.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + restPort
                    + "/overview")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .as("TLS without the client certificate (mutual TLS)").isInstanceOf(IOException.class);

            Path conf = layout.conf().resolve("config.yaml");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(conf))).isEqualTo("rw-------");
            for (long pid : cluster.processes().values()) {
                String cmd = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
                assertThat(cmd).as("command line of %d", pid).doesNotContain(password);
            }
            try (var logs = Files.list(layout.logs())) {
                for (Path log : logs.toList()) {
                    assertThat(Files.readString(log)).as(log.toString()).doesNotContain(password);
                }
            }
            System.out.println("rest-tls: plain HTTP and TLS without the client certificate refused; the keystore"
                    + " password only in the owner-only config.yaml");
        } finally {
            cluster.rest().close();
            cluster.stop();
        }
    }

    /** Trusts the cluster's certificate, offers no client key. */
    private static SSLContext trusting(Path keystore, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, password.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
