"""Background worker: would consume jobs from Redis; here it only stays alive."""
import time

while True:
    time.sleep(60)
