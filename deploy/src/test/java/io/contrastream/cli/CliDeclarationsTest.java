package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobParams;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.param.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * A CLI option named after a declared parameter (a job setting or any method's key) must not bring a
 * default of its own: either none (the declaration's applies) or exactly the declared one.
 */
class CliDeclarationsTest {
    @Test
    void noOptionRedeclaresAParameterWithAnotherDefault() {
        assertThat(conflicts(new CommandLine(new Main()))).isEmpty();
    }

    @Test
    void aSecondDefaultIsCaught() {
        assertThat(conflicts(new CommandLine(new SecondDefault()))).containsExactly(
                "second-default --batch: default 128, declared [256, 8]",
                "second-default --image-size: default 32, declared [28]");
    }

    @Test
    void pretrainTakesTheJobsNameForTheImageSide() {
        CommandLine pretrain = new CommandLine(new Main()).getSubcommands().get("pretrain");
        assertThat(pretrain.getCommandSpec().findOption("--image-size")).isNotNull();
        assertThat(pretrain.getCommandSpec().findOption("--size")).isNull();
    }

    /** Every option of {@code root} and its subcommands that disagrees with a declaration, as "command --option: ...". */
    static List<String> conflicts(CommandLine root) {
        Map<String, Set<String>> declared = new TreeMap<>();
        for (Param<?> p : JobParams.ALL) {
            declared.computeIfAbsent(p.name(), k -> new TreeSet<>()).add(String.valueOf(p.defaultValue()));
        }
        for (MethodSpec spec : Recipes.SPECS) {
            spec.defaults().asMap().forEach((k, v) -> declared.computeIfAbsent(k, x -> new TreeSet<>())
                    .add(String.valueOf(v)));
        }
        List<String> out = new ArrayList<>();
        collect(root, declared, out);
        return out;
    }

    private static void collect(CommandLine cl, Map<String, Set<String>> declared, List<String> out) {
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            String key = o.longestName().replaceFirst("^--", "");
            Set<String> defaults = declared.get(key);
            if (defaults != null && o.defaultValue() != null && !Set.of(o.defaultValue()).equals(defaults)) {
                out.add(cl.getCommandName() + " " + o.longestName() + ": default " + o.defaultValue() + ", declared "
                        + defaults);
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, declared, out);
        }
    }

    @Command(name = "second-default")
    static final class SecondDefault {
        @Option(names = "--batch", defaultValue = "128")
        int batch;

        @Option(names = "--image-size", defaultValue = "32")
        int size;

        @Option(names = "--seed", defaultValue = "42")
        long seed;

        @Option(names = "--records", defaultValue = "7")
        int records;
    }
}
