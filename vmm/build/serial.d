build/serial.o: serial.c serial.h irq.h
serial.h:
irq.h:
