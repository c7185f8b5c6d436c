build/pic.o: pic.c pic.h
pic.h:
