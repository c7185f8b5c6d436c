build/main.o: main.c options.h vm.h bus.h console.h mem.h pic.h pit.h \
 irq.h pm.h rtc.h serial.h
options.h:
vm.h:
bus.h:
console.h:
mem.h:
pic.h:
pit.h:
irq.h:
pm.h:
rtc.h:
serial.h:
