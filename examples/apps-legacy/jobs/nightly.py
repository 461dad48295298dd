def run():
    print("hello from nightly: the job ran", flush=True)
