def average(values):
    total = 0
    for v in values:
        total += v
    return totl / len(values)


if __name__ == "__main__":
    print(average([1, 2, 3]))
