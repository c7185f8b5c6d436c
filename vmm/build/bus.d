build/bus.o: bus.c bus.h
bus.h:
