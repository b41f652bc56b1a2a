import json
import threading

from selfguide_trainer.diffusion.config import TrainConfig


def test_a_reader_never_sees_config_json_half_saved(tmp_path):
    # On --resume under torchrun, every rank loads RUN/config.json while rank 0 saves it again.
    path = tmp_path / "config.json"
    config = TrainConfig()
    config.save(path)
    failures: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                assert TrainConfig.load(path).to_dict() == config.to_dict()
            except (json.JSONDecodeError, AssertionError) as error:
                failures.append(repr(error))
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(2000):
            config.save(path)
            if failures:
                break
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]  # no temporary file left behind
