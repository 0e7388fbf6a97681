package io.contrastream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code contrastream} command line.
 *
 * <pre>{@code
 * contrastream pretrain --method moco-v2 --data fashion-mnist:/usr/share/datasets/fashion-mnist --epochs 5 --out runs/m
 * contrastream eval --model runs/m --train-data fashion-mnist:DIR:train --test-data fashion-mnist:DIR:test
 * }</pre>
 */
@Command(name = "contrastream", mixinStandardHelpOptions = true, version = "contrastream 0.1.0",
        description = "Online self-supervised contrastive representation learning.",
        subcommands = {DemoCommand.class, RunCommand.class, ClusterCommand.class, SubmitCommand.class, StopJobCommand.class, AudioEvalCommand.class, ProduceCommand.class, MakeSpeechCommand.class, KafkaCommand.class, PretrainCommand.class, EvalCommand.class, CrossModalEvalCommand.class, BenchCommand.class, SchemasCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // never download anything at run time
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
