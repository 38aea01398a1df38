"""The simulator against the real Symfony Console 5.4 (Debian's php-symfony-console): same bytes out.

A reference `bin/console` in PHP declares the same commands and options on the real `Application`, so that
help, list, lookup and input errors come from Symfony itself; its command bodies replay the SymfonyStyle
calls given in REFERENCE_CALLS (the migration logic is not PHP's to check, its rendering is). A second
script renders many SymfonyStyle calls (blocks that wrap, accents, wide characters, markup, tables) for a
comparison with the simulator's SymfonyStyle in this process.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sandbox.reconnect.style import SymfonyStyle
from sandbox.reconnect.text import Output
from sandbox.reconnect_console import seed_runbook_scenario

SYMFONY = Path("/usr/share/php/Symfony/Component/Console/autoload.php")
REPO = Path(__file__).resolve().parents[3]
MIGRATE = "app:migrate-individuals-to-other-organization"


@pytest.fixture(autouse=True)
def _real_symfony_is_installed() -> None:
    """A missing PHP must fail loudly: a skipped fidelity check would hide a regression."""
    if shutil.which("php") is None or not SYMFONY.exists():
        pytest.fail("needs php-cli and php-symfony-console: run `bash .ci/system-deps`")


REFERENCE_CONSOLE = r"""<?php
require '/usr/share/php/Symfony/Component/Console/autoload.php';

use Symfony\Component\Console\Application;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Command\HelpCommand;
use Symfony\Component\Console\Command\ListCommand;
use Symfony\Component\Console\Input\InputDefinition;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Input\InputOption;
use Symfony\Component\Console\Output\OutputInterface;
use Symfony\Component\Console\Style\SymfonyStyle;

// FrameworkBundle's console as far as the simulator imitates it: --env, --no-debug, no `completion`.
class ReferenceApplication extends Application
{
    protected function getDefaultInputDefinition(): InputDefinition
    {
        $definition = parent::getDefaultInputDefinition();
        $definition->addOption(new InputOption('--env', '-e', InputOption::VALUE_REQUIRED, 'The Environment name.', 'prod'));
        $definition->addOption(new InputOption('--no-debug', null, InputOption::VALUE_NONE, 'Switch off debug mode.'));
        return $definition;
    }

    protected function getDefaultCommands(): array
    {
        return [new HelpCommand(), new ListCommand()];
    }

    public function getLongVersion(): string
    {
        return parent::getLongVersion().' (env: <comment>prod</>, debug: <comment>false</>)';
    }
}

abstract class ReplayCommand extends Command
{
    protected function execute(InputInterface $input, OutputInterface $output): int
    {
        $io = new SymfonyStyle($input, $output);
        foreach (json_decode(getenv('REFERENCE_CALLS') ?: '[]', true) as $call) {
            $method = array_shift($call);
            $io->$method(...$call);
        }
        return (int) getenv('REFERENCE_EXIT');
    }
}

class MigrateCommand extends ReplayCommand
{
    protected function configure(): void
    {
        $this->setName('app:migrate-individuals-to-other-organization')
            ->setDescription("Migre les suivis (individus) d'un centre vers un autre centre")
            ->addOption('originOrganization', 'o', InputOption::VALUE_REQUIRED, "ID du centre d'origine (celui qui perd des suivis)")
            ->addOption('destinationOrganization', 'd', InputOption::VALUE_REQUIRED, 'ID du centre de destination (celui qui reçoit les suivis)')
            ->addOption('targetFieldSlug', 'f', InputOption::VALUE_REQUIRED, 'Slug du champ personnalisé utilisé comme critère de migration')
            ->addOption('targetFieldValue', 't', InputOption::VALUE_REQUIRED, 'Valeur du champ qui déclenche la migration (doit correspondre exactement à la valeur saisie dans le dossier)')
            ->addOption('noField', null, InputOption::VALUE_NONE, "Migrer tous les individus du centre d'origine, sans condition sur un champ. Incompatible avec -f / -t.")
            ->addOption('withDeleted', null, InputOption::VALUE_NONE, 'Inclure les individus supprimés (soft-deleted) dans la migration')
            ->addOption('withAccommodations', null, InputOption::VALUE_NONE, 'Migrer également les hébergements liés aux individus migrés')
            ->addOption('dry-run', null, InputOption::VALUE_NONE, 'Mode simulation : aucune donnée modifiée');
    }
}

class SeedCommand extends ReplayCommand
{
    protected function configure(): void
    {
        $this->setName('sandbox:seed')
            ->setDescription('(Simulateur) Recrée la base de données avec un scénario de démonstration')
            ->addOption('scenario', null, InputOption::VALUE_REQUIRED, 'Scénario à charger (runbook)', 'runbook');
    }
}

$application = new ReferenceApplication('Symfony', '5.4.53');
$application->add(new MigrateCommand());
$application->add(new SeedCommand());
$application->run();
"""

RENDER_CALLS = r"""<?php
require '/usr/share/php/Symfony/Component/Console/autoload.php';

use Symfony\Component\Console\Input\ArrayInput;
use Symfony\Component\Console\Output\BufferedOutput;
use Symfony\Component\Console\Style\SymfonyStyle;

$results = [];
foreach (json_decode(stream_get_contents(STDIN), true) as $case) {
    putenv('COLUMNS='.$case['width']);
    $output = new BufferedOutput(BufferedOutput::VERBOSITY_NORMAL, $case['decorated']);
    $io = new SymfonyStyle(new ArrayInput([]), $output);
    foreach ($case['calls'] as $call) {
        $method = array_shift($call);
        $io->$method(...$call);
    }
    $results[] = base64_encode($output->fetch());
}
echo json_encode($results);
"""

# The runbook's dry-run, as the simulator must print it: the PHP side replays these calls.
RUNBOOK_DRY_RUN = [
    ["title", "Migration des individus vers un autre centre"],
    ["note", "Mode simulation (--dry-run) : aucune donnée ne sera modifiée."],
    ["text", ["Critère : champ « migration-des-donnees » = « CHU 77 »"]],
    ["newLine"],
    [
        "table",
        ["Rôle", "Centre ID", "Centre Nom", "Nb. suivis", "Après migration"],
        [
            ["Origine", 4537, "France Fraternités - CHU 75", 160, "119 (- 41 migrés)"],
            ["Destination", 5644, "France Fraternités - CHU 77", 0, "41 (+ 41 entrants)"],
        ],
    ],
    ["text", "Hébergements à migrer: 3"],
    ["newLine"],
    ["text", "Problème: Hébergements avec individus non migrés rattachés"],
    ["newLine"],
    [
        "table",
        ["Centre ID", "Hébergement ID", "Individus non migrés", "Individus migrés"],
        [[4537, 892, "1042, 1078", "1035"]],
    ],
    ["success", "Simulation terminée : aucune donnée n'a été modifiée."],
]
RUNBOOK_ARGS = [MIGRATE, "-o", "4537", "-d", "5644", "-f", "migration-des-donnees", "-t", "CHU 77"]


def _check_dry_run(value: str, rows: list[list[object]], accommodations: int | None) -> list[list[object]]:
    """A dry-run of the runbook scenario as the accommodation check reads it (no problem table: none shared)."""
    calls: list[list[object]] = [
        ["title", "Migration des individus vers un autre centre"],
        ["note", "Mode simulation (--dry-run) : aucune donnée ne sera modifiée."],
        ["text", [f"Critère : champ « migration-des-donnees » = « {value} »"]],
        ["newLine"],
        ["table", ["Rôle", "Centre ID", "Centre Nom", "Nb. suivis", "Après migration"], rows],
    ]
    if accommodations is not None:
        calls.append(["text", f"Hébergements à migrer: {accommodations}"])
    return [*calls, ["success", "Simulation terminée : aucune donnée n'a été modifiée."]]


def _migration(origin: int, destination: int, value: str) -> list[str]:
    return [MIGRATE, "-o", str(origin), "-d", str(destination), "-f", "migration-des-donnees", "-t", value]


# CHU 75 → DAHAR: 1060 and 1062 move together with their accommodation 894; CHU 75 → TEH: nobody housed;
# CPH → CHU 75: the household 4901 moves whole with its accommodation 950; CHU 75 → CHU 77 without the option.
CHECK_DAHAR = _check_dry_run(
    "DAHAR",
    [
        ["Origine", 4537, "France Fraternités - CHU 75", 160, "141 (- 19 migrés)"],
        ["Destination", 5634, "France Fraternités - DAHAR", 12, "31 (+ 19 entrants)"],
    ],
    1,
)
CHECK_TEH = _check_dry_run(
    "TEH",
    [
        ["Origine", 4537, "France Fraternités - CHU 75", 160, "153 (- 7 migrés)"],
        ["Destination", 5645, "France Fraternités - TEH", 5, "12 (+ 7 entrants)"],
    ],
    0,
)
CHECK_CPH_HOUSEHOLD = _check_dry_run(
    "CHU 75",
    [
        ["Origine", 4960, "France Fraternités - CPH", 180, "159 (- 21 migrés)"],
        ["Destination", 4537, "France Fraternités - CHU 75", 160, "181 (+ 21 entrants)"],
    ],
    1,
)
WITHOUT_ACCOMMODATIONS = _check_dry_run(
    "CHU 77",
    [
        ["Origine", 4537, "France Fraternités - CHU 75", 160, "119 (- 41 migrés)"],
        ["Destination", 5644, "France Fraternités - CHU 77", 0, "41 (+ 41 entrants)"],
    ],
    None,
)
NO_FIELD_REFUSAL = [
    ["error", "L'option --noField est incompatible avec --targetFieldSlug (-f) et --targetFieldValue (-t)."]
]


# (tokens, stdin, calls the PHP command replays, its exit code)
CASES = {
    "help by command": (["help", MIGRATE], b"", [], 0),
    "help by flag": ([MIGRATE, "--help"], b"", [], 0),
    "help despite a bad option": ([MIGRATE, "-h", "-x"], b"", [], 0),
    "help of the seed command": (["help", "sandbox:seed"], b"", [], 0),
    "help of help": (["help", "help"], b"", [], 0),
    "help alone": (["--help"], b"", [], 0),
    "list": (["list"], b"", [], 0),
    "no arguments": ([], b"", [], 0),
    "list a namespace": (["list", "app"], b"", [], 0),
    "list an abbreviated namespace": (["list", "sand"], b"", [], 0),
    "raw list": (["list", "--raw"], b"", [], 0),
    "coloured list": (["--ansi", "list"], b"", [], 0),
    "coloured help": (["help", MIGRATE, "--ansi"], b"", [], 0),
    "version": (["--version"], b"", [], 0),
    "unknown command": (["nope"], b"", [], 0),
    "unknown namespace": (["foo:bar"], b"", [], 0),
    "long accented unknown command": (["commande-très-longue-" + "é" * 70], b"", [], 0),
    "mistyped command, no terminal": (["-n", "app:migrat-individuals-to-other-organization"], b"", [], 0),
    "mistyped command, question unanswered": (["app:migrat-individuals-to-other-organization"], b"", [], 0),
    "mistyped command, declined": (["lsit"], b"no\n", [], 0),
    "mistyped command, accepted": (["lsit"], b"yes\n", [], 0),
    "mistyped help, accepted": (["hepl", "--help"], b"y\n", [], 0),
    "unknown option": ([MIGRATE, "-x"], b"", [], 0),
    "unknown option, coloured": ([MIGRATE, "--ansi", "--nope"], b"", [], 0),
    "missing value": ([MIGRATE, "-o"], b"", [], 0),
    "value starting with a dash": ([MIGRATE, "-t", "-x"], b"", [], 0),
    "flag with a value": ([MIGRATE, "--withDeleted=1"], b"", [], 0),
    "extra argument": ([MIGRATE, "extra"], b"", [], 0),
    "quiet error": ([MIGRATE, "-q", "-x"], b"", [], 0),
    "abbreviated command": (
        ["app:mig", *RUNBOOK_ARGS[1:], "--withAccommodations", "--dry-run"],
        b"",
        RUNBOOK_DRY_RUN,
        0,
    ),
    "runbook dry-run": ([*RUNBOOK_ARGS, "--withAccommodations", "--dry-run"], b"", RUNBOOK_DRY_RUN, 0),
    "runbook dry-run, coloured": (
        [*RUNBOOK_ARGS, "--withAccommodations", "--dry-run", "--ansi"],
        b"",
        RUNBOOK_DRY_RUN,
        0,
    ),
    "dry-run without --withAccommodations": ([*RUNBOOK_ARGS, "--dry-run"], b"", WITHOUT_ACCOMMODATIONS, 0),
    "accommodation check, one accommodation": (
        [*_migration(4537, 5634, "DAHAR"), "--withAccommodations", "--dry-run"],
        b"",
        CHECK_DAHAR,
        0,
    ),
    "accommodation check, nobody housed": (
        [*_migration(4537, 5645, "TEH"), "--withAccommodations", "--dry-run"],
        b"",
        CHECK_TEH,
        0,
    ),
    "accommodation check, a household's accommodation": (
        [*_migration(4960, 4537, "CHU 75"), "--withAccommodations", "--dry-run"],
        b"",
        CHECK_CPH_HOUSEHOLD,
        0,
    ),
    "refusal": (
        [MIGRATE, "-o", "4537", "-d", "5644", "--noField", "-f", "x", "--dry-run"],
        b"",
        NO_FIELD_REFUSAL,
        1,
    ),
}


def _run(argv: list[str], *, cwd: Path, stdin: bytes, env: dict[str, str]) -> tuple[int, bytes, bytes]:
    done = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def both_consoles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[tuple, tuple]]:
    """Every case run by PHP and by the simulator, all at once: {case: (php, simulator)}."""
    root = tmp_path_factory.mktemp("symfony")
    (root / "bin").mkdir()
    (root / "bin" / "console").write_text(REFERENCE_CONSOLE, encoding="utf-8")
    db = root / "reconnect.sqlite3"
    seed_runbook_scenario(db)
    base = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(REPO)}
    base.pop("NO_COLOR", None)

    def pair(case: str) -> tuple[tuple, tuple]:
        tokens, stdin, calls, exit_code = CASES[case]
        env = {**base, "REFERENCE_CALLS": json.dumps(calls), "REFERENCE_EXIT": str(exit_code)}
        php = _run(["php", "bin/console", *tokens], cwd=root, stdin=stdin, env=env)
        simulator = [sys.executable, "-m", "sandbox.reconnect_console", "--db", str(db), *tokens]
        return php, _run(simulator, cwd=REPO, stdin=stdin, env=env)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(CASES, pool.map(pair, CASES), strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_the_simulator_prints_what_symfony_prints(both_consoles, case: str) -> None:
    php, simulator = both_consoles[case]

    assert simulator[1].decode() == php[1].decode()  # stdout, as text for a readable diff
    assert simulator[2].decode() == php[2].decode()  # stderr
    assert simulator == php  # and exit code, byte for byte


# --- SymfonyStyle, call by call ------------------------------------------------------------------------

WORDS = [
    "France",
    "Fraternités",
    "hébergement",
    "東京都",
    "ÉÀÇ",
    "<info>x</info>",
    "a\\",
    "$(id)",
    "«»",
    "’",
    "",
]


BLOCKS = ("note", "success", "error", "warning", "caution", "text", "comment")
WIDTHS = (80, 37, 120, 200)


def _texts(rng: random.Random) -> list[str]:
    texts = []
    for _ in range(40):
        words = [
            rng.choice(WORDS) + rng.choice(["", "", "-" * rng.randint(1, 30)])
            for _ in range(rng.randint(1, 40))
        ]
        texts.append(rng.choice([" ", " ", "\n", "  "]).join(words))
    return texts


def _style_cases() -> list[dict]:
    rng = random.Random(4537)
    cases = []
    for text in _texts(rng):
        for method in BLOCKS:
            calls = [[method, text], ["text", "suite"], [method, [text, "deux"]]]
            cases.append({"width": rng.choice(WIDTHS), "decorated": rng.random() < 0.3, "calls": calls})
        for method in ("title", "section"):
            calls = [[method, text], ["newLine", 2], ["success", "fin"]]
            cases.append({"width": rng.choice(WIDTHS), "decorated": rng.random() < 0.3, "calls": calls})
    for _ in range(20):
        headers = [rng.choice(WORDS[:5]) for _ in range(rng.randint(0, 4))]
        rows = [
            [rng.choice([*WORDS[:5], 7, None]) for _ in range(rng.randint(1, 5))]
            for _ in range(rng.randint(0, 3))
        ]
        calls = [["table", headers, rows], ["text", "après"], ["table", headers, rows], ["error", "x"]]
        cases.append({"width": 80, "decorated": rng.random() < 0.5, "calls": calls})
    return cases


def _render_in_python(case: dict) -> bytes:
    buffer = io.BytesIO()
    style = SymfonyStyle(Output(buffer, decorated=case["decorated"]), terminal_width=case["width"])
    for method, *arguments in case["calls"]:
        getattr(style, "new_line" if method == "newLine" else method)(*arguments)
    return buffer.getvalue()


def test_symfony_style_renders_like_php(tmp_path: Path) -> None:
    script = tmp_path / "render.php"
    script.write_text(RENDER_CALLS, encoding="utf-8")
    cases = _style_cases()

    done = subprocess.run(
        ["php", str(script)], input=json.dumps(cases).encode(), capture_output=True, timeout=60
    )
    expected = [base64.b64decode(item) for item in json.loads(done.stdout)]

    mismatches = [
        (case, want, got)
        for case, want in zip(cases, expected, strict=True)
        if (got := _render_in_python(case)) != want
    ]
    assert not mismatches, mismatches[:2]
