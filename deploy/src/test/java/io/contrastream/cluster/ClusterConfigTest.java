package io.contrastream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session cluster's generated {@code conf/config.yaml}: every address a process binds or advertises is
 * 127.0.0.1, and jar submission over REST is on only as asked ({@code contrastream submit} uses it).
 */
class ClusterConfigTest {
    @TempDir
    Path dir;

    @Test
    void everyListenerIsOnLoopbackAndJarSubmissionFollowsTheFlag() throws Exception {
        ClusterLayout layout = ClusterLayout.of(dir, dir.resolve("home"));
        Map<String, String> on = new ClusterConfig(18081, 16123, 1, "1728m").entries(layout);
        for (String key : new String[] {"jobmanager.rpc.address", "jobmanager.bind-host", "taskmanager.bind-host",
                "taskmanager.host", "rest.address", "rest.bind-address"}) {
            assertThat(on).as(key).containsEntry(key, "127.0.0.1");
        }
        assertThat(on).containsEntry("web.submit.enable", "true");
        assertThat(new ClusterConfig(18081, 16123, 1, "1728m", false).entries(layout))
                .containsEntry("web.submit.enable", "false");

        assertThat(on).containsEntry("metrics.reporter.prom.host", "127.0.0.1")
                .containsEntry("metrics.reporter.prom.port", ClusterConfig.DEFAULT_PROMETHEUS_PORTS)
                .containsEntry("metrics.reporter.prom.factory.class",
                        io.contrastream.metrics.LoopbackPrometheusReporterFactory.class.getName());
        assertThat(new ClusterConfig(18081, 16123, 1, "1728m", true, "off").entries(layout))
                .doesNotContainKey("metrics.reporter.prom.factory.class");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ClusterConfig(18081, 16123, 1, "1728m", true, "all"))
                .hasMessageContaining("9249-9259");

        new ClusterConfig(18081, 16123, 1, "1728m", false).write(layout);
        String yaml = Files.readString(layout.conf().resolve("config.yaml"));
        assertThat(yaml).contains("rest.bind-address: 127.0.0.1").contains("taskmanager.bind-host: 127.0.0.1")
                .contains("web.submit.enable: \"false\"").doesNotContain("0.0.0.0");
    }
}
