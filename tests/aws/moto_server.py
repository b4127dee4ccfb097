"""Starts a moto server for the apply tests, with moto's shortcomings for these tests patched.

Usage: moto_server.py PORT. Binds 127.0.0.1 only.
- moto's RunTask adds up container memory and fails (HTTP 500) when a Fargate container leaves
  it to the task, as AWS allows: a container without one counts as 0 here.
- tasks move to STOPPED (exit code 0) as soon as they are described, so jobs finish.
"""
import sys

from moto.ecs import models
from moto.moto_api import state_manager
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

original = models.EC2ContainerServiceBackend._calculate_task_resource_requirements


class Sized:
    """The task definition as moto's sum sees it, without touching the stored one."""

    def __init__(self, task_definition):
        self.container_definitions = [
            c if c.get("memory") is not None or c.get("memoryReservation") is not None or "Memory" in c
            else dict(c, memoryReservation=0)
            for c in task_definition.container_definitions
        ]


def tolerant(task_definition):
    return original(Sized(task_definition))


models.EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(tolerant)
state_manager.set_transition(model_name="ecs::task", transition={"progression": "immediate"})

server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print("ready", flush=True)
try:
    server._thread.join()
except KeyboardInterrupt:
    server.stop()
