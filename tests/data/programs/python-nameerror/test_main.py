from main import average

assert average([2, 4]) == 3, "average of 2 and 4"
print("ok")
